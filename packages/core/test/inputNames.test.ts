import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, test } from 'vitest';
import {
  checkInt,
  checkShape,
  checkTensor,
  earlyStopping,
  ensemble,
  heaviside,
  InputError,
  progressBar,
  Standardizer,
} from '../src/index.js';

/** The one naming style of `InputError.input`: the public function, a colon, the argument or option. */
const NAME_STYLE = /^[A-Za-z0-9_.]+: \S/;
const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function inputErrorOf(call: () => unknown, what = 'the call'): InputError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error(`expected an InputError, ${what} succeeded`);
}

describe("InputError.input is 'function: argument' everywhere", () => {
  test('no literal name without "fn: " in any package source (InputError and the shared checks)', () => {
    const call =
      /(?:new InputError|\bcheck(?:Int|Number|Rate|Boolean|OneOf|Options|Shape|Tensor|Rank))\(\s*(['`])((?:(?!\1).)*)\1/gs;
    const bad: string[] = [];
    let seen = 0;
    for (const pkg of readdirSync(PACKAGES)) {
      let files: string[];
      try {
        files = sources(join(PACKAGES, pkg, 'src'));
      } catch {
        continue;
      }
      for (const file of files) {
        for (const m of readFileSync(file, 'utf8').matchAll(call)) {
          seen++;
          // A literal `fn: argument`, or a field of an argument whose full `fn: argument` name came in as a
          // parameter (`${name}.id` inside a shared checker).
          const named = /^(?:[A-Za-z0-9_.]|\$\{[\w.]+\})+: \S/.test(m[2]) || /^\$\{\w+\}[.[]\S/.test(m[2]);
          if (!named) bad.push(`${file.slice(PACKAGES.length)}: ${m[2]}`);
        }
      }
    }
    expect(seen).toBeGreaterThan(150);
    expect(bad).toEqual([]);
  });

  test('core: public functions name themselves and the argument', () => {
    const x = tf.zeros([2, 3]);
    const before = tf.memory().numTensors;
    const errors = [
      inputErrorOf(() => earlyStopping({ patience: -1 }), 'earlyStopping({ patience: -1 })'),
      inputErrorOf(() => progressBar({ every: 1.5 }), 'progressBar({ every: 1.5 })'),
      inputErrorOf(() => ensemble([]), 'ensemble([])'),
      inputErrorOf(() => heaviside(x, { gradient: 'sigmoid' as never })),
      inputErrorOf(() => new Standardizer({ epsilon: -1 }), 'new Standardizer({ epsilon: -1 })'),
    ];
    expect(errors.map((e) => e.input)).toEqual([
      'earlyStopping: patience',
      'progressBar: every',
      'ensemble: models',
      'heaviside: gradient',
      'Standardizer: epsilon',
    ]);
    for (const e of errors) expect(e.input).toMatch(NAME_STYLE);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  test('the shared checks say what was expected and what came', () => {
    expect(inputErrorOf(() => checkInt('f: n', 0)).message).toBe('f: n: expected an integer >= 1, got 0');
    expect(inputErrorOf(() => checkShape('f: shape', [2, 0], 2)).message).toBe(
      'f: shape: expected an array of 2 positive integers, got [2,0]',
    );
    const i = tf.zeros([1], 'int32');
    expect(inputErrorOf(() => checkTensor('f: x', i, { dtype: 'float32' })).message).toBe(
      'f: x: expected a float32 tensor, got a tensor of dtype int32',
    );
    i.dispose();
  });
});
