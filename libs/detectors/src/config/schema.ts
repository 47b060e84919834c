/**
 * A small declarative schema for JSON configs: enough to check types, ranges and allowed values
 * and to report every problem with its key path, without a dependency.
 */
import { parseNormSpec } from '@kestrel/norm';

export type Schema =
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number; exclusiveMin?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string' }
  | { kind: 'enum'; values: readonly (string | number)[] }
  | { kind: 'array'; items: Schema; length?: number; minLength?: number }
  | { kind: 'object'; fields: Readonly<Record<string, Schema>> }
  | { kind: 'nullable'; inner: Schema }
  /** A norm spec from @kestrel/norm: `'cbn'` or `{ type: 'gn', groups: 32 }`. */
  | { kind: 'norm' };

export const integer = (min?: number, max?: number): Schema => ({ kind: 'integer', min, max });
export const number = (min?: number, max?: number, exclusiveMin = false): Schema => ({ kind: 'number', min, max, exclusiveMin });
export const boolean: Schema = { kind: 'boolean' };
export const string: Schema = { kind: 'string' };
export const oneOf = (...values: (string | number)[]): Schema => ({ kind: 'enum', values });
export const arrayOf = (items: Schema, options: { length?: number; minLength?: number } = {}): Schema => ({ kind: 'array', items, ...options });
export const object = (fields: Record<string, Schema>): Schema => ({ kind: 'object', fields });
export const nullable = (inner: Schema): Schema => ({ kind: 'nullable', inner });
export const norm: Schema = { kind: 'norm' };

/** One problem found in a config: where (key path) and what. */
export interface SchemaIssue {
  path: string;
  message: string;
}

/**
 * Checks `value` against `schema`; returns every issue. Absent object fields are fine (defaults
 * fill them); unknown fields are issues. Keys starting with `$` (e.g. `$comment`) are notes.
 */
export function validate(value: unknown, schema: Schema, path: string): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const fail = (message: string) => issues.push({ path, message: `${message}, got ${show(value)}` });
  switch (schema.kind) {
    case 'integer':
    case 'number': {
      const isInt = schema.kind === 'integer';
      const exclusive = schema.kind === 'number' && schema.exclusiveMin;
      if (typeof value !== 'number' || !Number.isFinite(value) || (isInt && !Number.isInteger(value))) {
        fail(`expected ${describe(schema)}`);
      } else if (
        (schema.min !== undefined && (exclusive ? value <= schema.min : value < schema.min)) ||
        (schema.max !== undefined && value > schema.max)
      ) {
        fail(`expected ${describe(schema)}`);
      }
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail('expected true or false');
      break;
    case 'string':
      if (typeof value !== 'string' || value === '') fail('expected a non-empty string');
      break;
    case 'enum':
      if (!schema.values.includes(value as string | number)) fail(`expected one of ${schema.values.map(show).join(', ')}`);
      break;
    case 'nullable':
      if (value !== null) issues.push(...validate(value, schema.inner, path));
      break;
    case 'norm':
      try {
        parseNormSpec(value as never, path);
      } catch (err) {
        issues.push({ path, message: (err as Error).message.replace(`${path}: `, '') });
      }
      break;
    case 'array':
      if (!Array.isArray(value)) {
        fail(`expected ${describe(schema)}`);
        break;
      }
      if (schema.length !== undefined && value.length !== schema.length) fail(`expected ${describe(schema)}`);
      else if (schema.minLength !== undefined && value.length < schema.minLength) fail(`expected ${describe(schema)}`);
      value.forEach((item, i) => issues.push(...validate(item, schema.items, `${path}[${i}]`)));
      break;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail('expected an object');
        break;
      }
      const known = Object.keys(schema.fields);
      for (const [key, v] of Object.entries(value)) {
        const field = schema.fields[key];
        if (key.startsWith('$')) continue;
        if (!field) issues.push({ path: `${path}.${key}`, message: `unknown key; expected one of ${known.join(', ')}` });
        else issues.push(...validate(v, field, `${path}.${key}`));
      }
      break;
    }
  }
  return issues;
}

/** "an integer >= 1", "a number in [0, 1]", "an array of 4 numbers", … */
export function describe(schema: Schema): string {
  switch (schema.kind) {
    case 'integer':
    case 'number': {
      const noun = schema.kind === 'integer' ? 'an integer' : 'a number';
      const lowOp = schema.kind === 'number' && schema.exclusiveMin ? '>' : '>=';
      if (schema.min !== undefined && schema.max !== undefined) {
        return `${noun} in ${lowOp === '>' ? '(' : '['}${schema.min}, ${schema.max}]`;
      }
      if (schema.min !== undefined) return `${noun} ${lowOp} ${schema.min}`;
      if (schema.max !== undefined) return `${noun} <= ${schema.max}`;
      return noun;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a non-empty string';
    case 'enum':
      return `one of ${schema.values.map(show).join(', ')}`;
    case 'nullable':
      return `null or ${describe(schema.inner)}`;
    case 'norm':
      return 'a norm spec';
    case 'array': {
      const count = schema.length !== undefined ? `${schema.length} ` : schema.minLength ? `at least ${schema.minLength} ` : '';
      return `an array of ${count}items, each ${describe(schema.items)}`;
    }
    case 'object':
      return 'an object';
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
