import { checkBoolean, checkInt, checkOptions, createRng, InputError } from '@tiefe/core';

/** Options of {@link digitAddition}. */
export interface DigitAdditionOptions {
  /** Number of distinct question pairs. */
  count: number;
  /** Digits per operand, at most; default 3. */
  digits?: number;
  /** Reverse the question text (Keras `addition_rnn`'s trick: shorter paths between related digits); default true. */
  reverse?: boolean;
  /** Seed; default 0. */
  seed?: number;
}

/** Questions such as `'123+45 '` (padded with spaces to `2 * digits + 1`) and answers `'168 '` (`digits + 1`). */
export interface DigitAdditionData {
  questions: string[];
  answers: string[];
  /** The characters used: digits, '+' and the space. */
  alphabet: string;
}

/**
 * The Keras `addition_rnn` task: `a + b` with a and b of 1..digits digits, as character strings. Every pair
 * `{a, b}` occurs once (a + b and b + a count as the same), so a split of the arrays holds out whole pairs.
 */
export function digitAddition(options: DigitAdditionOptions): DigitAdditionData {
  const o = checkOptions('digitAddition: options', options);
  const digits = checkInt('digitAddition: digits', o.digits ?? 3, 1, 7);
  const max = 10 ** digits;
  const possible = (max * (max + 1)) / 2;
  const count = checkInt('digitAddition: count', o.count);
  if (count > possible * 0.9)
    throw new InputError(
      'digitAddition: count',
      `at most ${Math.floor(possible * 0.9)} for ${digits} digits`,
      String(count),
    );
  const reverse = checkBoolean('digitAddition: reverse', o.reverse ?? true);
  const rng = createRng(checkInt('digitAddition: seed', o.seed ?? 0, 0));
  const number = () => {
    const len = 1 + rng.int(digits);
    return Math.floor(rng.next() * 10 ** len);
  };
  const seen = new Set<string>();
  const questions: string[] = [];
  const answers: string[] = [];
  const qLen = 2 * digits + 1;
  while (questions.length < count) {
    const a = number();
    const b = number();
    const key = a < b ? `${a}+${b}` : `${b}+${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const q = `${a}+${b}`.padEnd(qLen, ' ');
    questions.push(reverse ? Array.from(q).reverse().join('') : q);
    answers.push(String(a + b).padEnd(digits + 1, ' '));
  }
  return { questions, answers, alphabet: '0123456789+ ' };
}
