/** Throws `<type>: option "<name>" must be <expected>, got <value>`. */
export function optionError(type: string, name: string, expected: string, got: unknown): never {
  throw new Error(`${type}: option "${name}" must be ${expected}, got ${JSON.stringify(got)}`);
}

/** Checks the options every statistics-based norm shares. */
export function checkCommonOptions(type: string, o: { eps?: number; momentum?: number; affine?: boolean }): void {
  if (o.eps !== undefined && !(typeof o.eps === 'number' && o.eps > 0)) optionError(type, 'eps', 'a number > 0', o.eps);
  if (o.momentum !== undefined && !(typeof o.momentum === 'number' && o.momentum >= 0 && o.momentum <= 1)) {
    optionError(type, 'momentum', 'a number in [0, 1]', o.momentum);
  }
  if (o.affine !== undefined && typeof o.affine !== 'boolean') optionError(type, 'affine', 'true or false', o.affine);
}
