import { checkInt, checkNumber, describeValue, InputError } from '@tiefe/core';

/** Checks a non-empty string (a title, label or header). */
export function checkText(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw new InputError(name, 'a non-empty string', describeValue(v));
  return v;
}

/** Checks an optional non-empty string. */
export function checkOptionalText(name: string, v: unknown): string | undefined {
  return v === undefined ? undefined : checkText(name, v);
}

/** Checks a non-empty array of non-empty strings, of length `length` when given. */
export function checkLabels(name: string, v: unknown, length?: number): string[] {
  const what = length === undefined ? 'a non-empty array of strings' : `an array of ${length} strings`;
  if (!Array.isArray(v) || v.length === 0 || (length !== undefined && v.length !== length))
    throw new InputError(name, what, Array.isArray(v) ? `${v.length} entries` : describeValue(v));
  return v.map((s, i) => checkText(`${name}[${i}]`, s));
}

/**
 * Checks a rectangular matrix of finite numbers (at least 1 x 1), with `rows` rows and `cols` columns when
 * given, and returns it.
 */
export function checkMatrix(name: string, v: unknown, rows?: number, cols?: number): number[][] {
  if (!Array.isArray(v) || v.length === 0 || !Array.isArray(v[0]) || v[0].length === 0)
    throw new InputError(name, 'a non-empty array of non-empty rows of numbers', describeValue(v));
  const width = cols ?? v[0].length;
  if (rows !== undefined && v.length !== rows) throw new InputError(name, `${rows} rows`, `${v.length} rows`);
  return v.map((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== width)
      throw new InputError(
        `${name}[${r}]`,
        `a row of ${width} numbers (a rectangular matrix)`,
        Array.isArray(row) ? `${row.length} numbers` : describeValue(row),
      );
    return row.map((x, c) => checkNumber(`${name}[${r}][${c}]`, x));
  });
}

/** Checks an optional pixel size (an integer in 16..4096); `fallback` when absent. */
export function checkSize(name: string, v: unknown, fallback: number): number {
  return v === undefined ? fallback : checkInt(name, v, 16, 4096);
}
