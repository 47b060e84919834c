;; Column dot products against a weight matrix, for CBN's Taylor terms (see column-dots.ts).
;; Built by `nx run workspace:wasm` into column-dots.wasm.ts; the memory import is the wasm
;; backend's own heap, so every argument is a byte offset into it.
(module
  (import "env" "memory" (memory MEMORY_LIMITS))
  ;; For w [k, c] (row-major), v [k], m [k, c]:
  ;;   vOut[j] = Σ_i v[i]·w[i, j]        mOut[j] = Σ_i m[i, j]·w[i, j]
  ;; one pass over the rows of w and m, four columns per SIMD step, a scalar tail.
  (func (export "columnDots")
    (param $w i32) (param $k i32) (param $c i32) (param $v i32) (param $m i32) (param $vOut i32) (param $mOut i32)
    (local $i i32) (local $j i32) (local $vectorEnd i32) (local $rowBytes i32) (local $wRow i32) (local $mRow i32)
    (local $vi f32) (local $vSplat v128) (local $wj v128) (local $at i32)
    ;; vectorEnd = byte length of the columns a full SIMD step covers
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $vectorEnd (i32.and (local.get $rowBytes) (i32.const -16)))
    (memory.fill (local.get $vOut) (i32.const 0) (local.get $rowBytes))
    (memory.fill (local.get $mOut) (i32.const 0) (local.get $rowBytes))
    (local.set $wRow (local.get $w))
    (local.set $mRow (local.get $m))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $k)))
        (local.set $vi (f32.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $vSplat (f32x4.splat (local.get $vi)))
        (local.set $j (i32.const 0))
        (block $simdDone
          (loop $simd
            (br_if $simdDone (i32.ge_u (local.get $j) (local.get $vectorEnd)))
            (local.set $wj (v128.load (i32.add (local.get $wRow) (local.get $j))))
            (local.set $at (i32.add (local.get $vOut) (local.get $j)))
            (v128.store (local.get $at)
              (f32x4.add (v128.load (local.get $at)) (f32x4.mul (local.get $vSplat) (local.get $wj))))
            (local.set $at (i32.add (local.get $mOut) (local.get $j)))
            (v128.store (local.get $at)
              (f32x4.add (v128.load (local.get $at))
                (f32x4.mul (v128.load (i32.add (local.get $mRow) (local.get $j))) (local.get $wj))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $simd)))
        (block $tailDone
          (loop $tail
            (br_if $tailDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $at (i32.add (local.get $vOut) (local.get $j)))
            (f32.store (local.get $at)
              (f32.add (f32.load (local.get $at))
                (f32.mul (local.get $vi) (f32.load (i32.add (local.get $wRow) (local.get $j))))))
            (local.set $at (i32.add (local.get $mOut) (local.get $j)))
            (f32.store (local.get $at)
              (f32.add (f32.load (local.get $at))
                (f32.mul (f32.load (i32.add (local.get $mRow) (local.get $j)))
                  (f32.load (i32.add (local.get $wRow) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (local.set $wRow (i32.add (local.get $wRow) (local.get $rowBytes)))
        (local.set $mRow (i32.add (local.get $mRow) (local.get $rowBytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))))
