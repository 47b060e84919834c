/** Registers Kestrel's wasm training kernels. Filled in by the wasm-kernels work. */
export function registerWasmTrainingKernels(): void {}
