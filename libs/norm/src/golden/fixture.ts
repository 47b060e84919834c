import { readFileSync } from 'node:fs';
import type { CbnOptions } from '../cbn/cross-iteration-bn';

/** A CBN golden sequence (format: shared/docs/cbn.md, "Fixtures"). */
export interface CbnFixture {
  name: string;
  config: CbnOptions & { window: number };
  conv: { kernel: number; stride: number; padding: 'same'; cin: number; cout: number };
  lr: number;
  input_shape: [number, number, number, number];
  init: { filter: number[]; gamma: number[]; beta: number[] };
  steps: CbnFixtureStep[];
  final: {
    filter: number[];
    gamma: number[];
    beta: number[];
    running_mean: number[];
    running_var: number[];
    eval_input: number[];
    eval_output: number[];
  };
}

export interface CbnFixtureStep {
  x: number[];
  upstream: number[];
  output: number[];
  mean: number[];
  var: number[];
  loss: number;
  grad_input: number[];
  grad_filter: number[];
  grad_gamma: number[];
  grad_beta: number[];
}

/** Reads and shape-checks a fixture, naming the file and field on error. */
export function loadCbnFixture(file: string): CbnFixture {
  let parsed: CbnFixture;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as CbnFixture;
  } catch (err) {
    throw new Error(`${file}: cannot read CBN fixture (${(err as Error).message})`);
  }
  const need = (cond: boolean, field: string, expected: string) => {
    if (!cond) throw new Error(`${file}: field "${field}" must be ${expected}`);
  };
  need(typeof parsed.config?.window === 'number', 'config.window', 'a number');
  need(Array.isArray(parsed.input_shape) && parsed.input_shape.length === 4, 'input_shape', '[N, H, W, C]');
  need(parsed.conv?.padding === 'same', 'conv.padding', '"same"');
  const { kernel, cin, cout } = parsed.conv;
  need(parsed.init?.filter?.length === kernel * kernel * cin * cout, 'init.filter', `${kernel * kernel * cin * cout} numbers`);
  need(Array.isArray(parsed.steps) && parsed.steps.length > 0, 'steps', 'a non-empty array');
  return parsed;
}
