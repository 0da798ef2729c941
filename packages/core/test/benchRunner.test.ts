// The logic of `npm run bench` (scripts/bench.ts): arguments, kinds, selection, merging partial runs, markdown.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  declaredKind,
  formatElapsed,
  formatValue,
  mergeResults,
  parseArgs,
  type Row,
  selectBenches,
  toMarkdown,
  UsageError,
} from '../../../scripts/bench.js';

const row = (bench: string, backend: string, c: string, value = 1): Row => ({
  bench,
  backend,
  kind: 'speed',
  case: c,
  value,
  unit: 'ms',
});

describe('parseArgs', () => {
  it('runs the speed benches on every backend by default', () => {
    expect(parseArgs([])).toEqual({ filters: [], backends: ['webgpu', 'wasm', 'cpu'], kind: 'speed', list: false });
  });

  it('takes filters as positional words and --filter, and then runs every kind', () => {
    expect(parseArgs(['blocks', '--filter', 'core/bench', 'x'])).toMatchObject({
      filters: ['blocks', 'core/bench', 'x'],
      kind: 'all',
    });
    expect(parseArgs(['blocks', '--kind', 'speed']).kind).toBe('speed');
    expect(parseArgs(['--kind', 'accuracy'])).toMatchObject({ filters: [], kind: 'accuracy' });
  });

  it('reads --backends as a comma list and --list', () => {
    expect(parseArgs(['--backends', 'wasm, cpu', '--list'])).toMatchObject({ backends: ['wasm', 'cpu'], list: true });
  });

  it('refuses what it does not understand, naming it', () => {
    expect(() => parseArgs(['--backends', 'wasm,tpu'])).toThrow(/tpu/);
    expect(() => parseArgs(['--kind', 'fast'])).toThrow(UsageError);
    expect(() => parseArgs(['--filter'])).toThrow(/--filter needs a value/);
    expect(() => parseArgs(['--filter', '--backends', 'wasm'])).toThrow(/--filter needs a value/);
    expect(() => parseArgs(['--fliter', 'x'])).toThrow(/unknown option --fliter/);
  });
});

describe('kinds and selection', () => {
  it('reads the declared kind from the source', () => {
    expect(declaredKind("import x from 'y';\n\nexport const kind = 'speed';\n")).toBe('speed');
    expect(declaredKind('export const kind: BenchKind = "accuracy";')).toBe('accuracy');
    expect(declaredKind("const kind = 'speed';")).toBeUndefined();
    expect(declaredKind("export const kind = 'slow';")).toBeUndefined();
  });

  it('every bench file in the repository declares its kind', () => {
    const undeclared: string[] = [];
    const root = new URL('../../../packages/', import.meta.url);
    for (const pkg of readdirSync(root)) {
      let names: string[] = [];
      try {
        names = readdirSync(new URL(`${pkg}/bench/`, root));
      } catch {
        continue;
      }
      for (const n of names.filter((n) => n.endsWith('.bench.ts')))
        if (!declaredKind(readFileSync(new URL(`${pkg}/bench/${n}`, root), 'utf8'))) undeclared.push(`${pkg}/${n}`);
    }
    expect(undeclared).toEqual([]);
  });

  const files = [
    { path: 'packages/blocks/bench/mnist.bench.ts', kind: 'accuracy' as const },
    { path: 'packages/blocks/bench/steps.bench.ts', kind: 'speed' as const },
    { path: 'packages/core/bench/wasm.bench.ts', kind: 'speed' as const },
    { path: 'packages/new/bench/x.bench.ts', kind: undefined },
  ];
  const paths = (a: Parameters<typeof selectBenches>[1]) => selectBenches(files, a).map((f) => f.path);

  it('selects by kind and by any of the filters', () => {
    expect(paths({ filters: [], kind: 'speed' })).toEqual([
      'packages/blocks/bench/steps.bench.ts',
      'packages/core/bench/wasm.bench.ts',
    ]);
    // A file without a kind never slows down the default run.
    expect(paths({ filters: [], kind: 'accuracy' })).toEqual([
      'packages/blocks/bench/mnist.bench.ts',
      'packages/new/bench/x.bench.ts',
    ]);
    expect(paths({ filters: ['blocks'], kind: 'all' })).toEqual([
      'packages/blocks/bench/mnist.bench.ts',
      'packages/blocks/bench/steps.bench.ts',
    ]);
    expect(paths({ filters: ['mnist', 'core/'], kind: 'speed' })).toEqual(['packages/core/bench/wasm.bench.ts']);
  });
});

describe('mergeResults', () => {
  it('replaces every row of a bench file on a backend that ran, and keeps all others', () => {
    const previous = [
      row('b.bench.ts', 'wasm', 'old 1'),
      row('b.bench.ts', 'wasm', 'old 2'),
      row('b.bench.ts', 'cpu', 'cpu stays'),
      row('a.bench.ts', 'wasm', 'a stays'),
    ];
    const merged = mergeResults(previous, [row('b.bench.ts', 'wasm', 'new', 7)]);
    expect(merged.map((r) => `${r.bench} ${r.backend} ${r.case}`)).toEqual([
      'a.bench.ts wasm a stays',
      'b.bench.ts wasm new',
      'b.bench.ts cpu cpu stays',
    ]);
    expect(merged[1].value).toBe(7);
  });

  it('orders by bench, then webgpu, wasm, cpu, and keeps the order of rows within one run', () => {
    const fresh = [row('c', 'cpu', 'x'), row('c', 'wasm', '2'), row('c', 'wasm', '1'), row('c', 'webgpu', 'g')];
    expect(mergeResults([], fresh).map((r) => `${r.backend} ${r.case}`)).toEqual([
      'webgpu g',
      'wasm 2',
      'wasm 1',
      'cpu x',
    ]);
  });

  it('keeps everything from before when nothing new came', () => {
    const previous = [row('a', 'wasm', '1'), row('b', 'cpu', '2')];
    expect(mergeResults(previous, [])).toEqual(previous);
  });
});

describe('markdown', () => {
  const machine = { date: '2026-12-01T10:00:00.000Z', node: 'v20', cpus: '2 x CPU', memoryGiB: 24, commit: 'abc' };

  it('writes one table per kind, speed first, with escaped cells', () => {
    const md = toMarkdown(
      [
        {
          ...row('acc.bench.ts', 'wasm', 'accuracy'),
          kind: 'accuracy',
          value: 97.24,
          unit: '%',
          target: '>= 97',
          pass: true,
        },
        {
          ...row('s.bench.ts', 'wasm', 'step a|b'),
          value: 123.456,
          note: 'line 1\nline 2',
          pass: false,
          target: '<= 60',
        },
        { ...row('s.bench.ts', 'cpu', 'failed'), value: Number.NaN },
      ],
      machine,
    );
    const lines = md.split('\n');
    const speed = lines.indexOf('## Speed (`npm run bench`)');
    const accuracy = lines.indexOf('## Accuracy (`npm run bench:accuracy`)');
    expect(speed).toBeGreaterThan(0);
    expect(accuracy).toBeGreaterThan(speed);
    expect(lines[2]).toBe('2026-12-01T10:00:00.000Z, Node v20, 2 x CPU, 24 GiB, commit abc');
    expect(toMarkdown([], { ...machine, loadAverage: 7.5 }).split('\n')[2]).toBe(
      '2026-12-01T10:00:00.000Z, Node v20, 2 x CPU, 24 GiB, commit abc, load average 7.5 at the start',
    );
    expect(lines).toContain('| s.bench.ts | step a/b | wasm | 123 | ms | <= 60 | no | line 1 line 2 |');
    expect(lines).toContain('| s.bench.ts | failed | cpu | n/a | ms |  |  |  |');
    expect(lines.indexOf('| acc.bench.ts | accuracy | wasm | 97.2 | % | >= 97 | yes |  |')).toBeGreaterThan(accuracy);
  });

  it('leaves out a kind with no rows', () => {
    expect(toMarkdown([row('s', 'wasm', 'x')], machine)).not.toContain('Accuracy');
  });

  it('formats numbers and times', () => {
    expect([formatValue(0.012345), formatValue(12.345), formatValue(1234.5), formatValue(Number.NaN)]).toEqual([
      '0.0123',
      '12.3',
      '1235',
      'n/a',
    ]);
    expect([formatElapsed(12_345), formatElapsed(245_000)]).toEqual(['12.3 s', '4 min 05 s']);
  });
});
