/** Drops keys whose value is undefined, so spreading options over defaults keeps the defaults. */
export function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Throws unless `value` is an integer ≥ `min`, naming the option. */
export function checkInteger(owner: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new Error(`${owner}: option "${name}" must be an integer >= ${min}, got ${value}`);
}
