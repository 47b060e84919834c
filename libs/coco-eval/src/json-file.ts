/** Reading JSON input files with errors that name the file and the place of a syntax error. */
import { readFileSync } from 'node:fs';
import { CocoInputError } from './errors';

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CocoInputError(path, undefined, `cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseJsonText(text, path);
}

export function parseJsonText(text: string, source: string): unknown {
  if (text.trim() === '') throw new CocoInputError(source, undefined, 'file is empty (expected JSON)');
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    throw new CocoInputError(source, undefined, `malformed JSON${where}: ${message}`);
  }
}
