/**
 * Input problems are reported as CocoInputError so callers (and the CLI) can show one clear line
 * naming the file and the offending entry, e.g.
 * `results.json: results[17] (image_id 42): bbox must be 4 finite numbers, got [1,2,"x",4]`.
 */
export class CocoInputError extends Error {
  override readonly name = 'CocoInputError';

  constructor(
    /** File path, or a label such as `<results>` when data was passed in memory. */
    readonly source: string,
    /** The offending entry (`annotations[5] (id 123)`), when the problem is in one entry. */
    readonly entry: string | undefined,
    readonly detail: string,
  ) {
    super(entry === undefined ? `${source}: ${detail}` : `${source}: ${entry}: ${detail}`);
  }
}

/** Short JSON rendering of a bad value for error messages (truncated so messages stay one line). */
export function describeValue(value: unknown, maxLength = 80): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
