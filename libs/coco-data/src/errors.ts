/** One problem found in a COCO file, with enough context to find and fix it. */
export interface CocoIssue {
  /** The JSON file. */
  file: string;
  /** Where in the file: e.g. `annotation 42 (image 7)`, `image 7`, `category 3`, `images[5]`. */
  where: string;
  /** The field at fault, e.g. `bbox`, `segmentation[1]`, `images`. */
  field: string;
  /** What a valid value looks like. */
  expected: string;
  /** A short rendering of the value found, when there is one. */
  got?: string;
}

export function formatIssue(issue: CocoIssue): string {
  const got = issue.got === undefined ? '' : `, got ${issue.got}`;
  return `${issue.file}: ${issue.where}: "${issue.field}": expected ${issue.expected}${got}`;
}

/** Short, single-line rendering of an offending value for error messages. */
export function describeValue(value: unknown, maxLength = 80): string {
  let text: string;
  if (value === undefined) text = 'nothing (field missing)';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/** A COCO file is malformed; `issues` lists every problem found (the message shows the first few). */
export class CocoFormatError extends Error {
  override readonly name = 'CocoFormatError';
  readonly file: string;
  readonly issues: readonly CocoIssue[];

  constructor(file: string, issues: readonly CocoIssue[], shown = 10) {
    const lines = issues.slice(0, shown).map(formatIssue);
    const more = issues.length > shown ? `\n… and ${issues.length - shown} more problems` : '';
    super(
      issues.length === 1
        ? (lines[0] as string)
        : `${file}: ${issues.length} problems in the COCO file:\n${lines.join('\n')}${more}`,
    );
    this.file = file;
    this.issues = issues;
  }
}

/** An image could not be read, decoded, or did not match its COCO entry. */
export class ImageLoadError extends Error {
  override readonly name = 'ImageLoadError';
  /** The image path as resolved (or as given when resolving failed). */
  readonly file: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super(`${file}: ${reason}`, options);
    this.file = file;
  }
}
