/**
 * `npm run bench`: runs every `packages/<pkg>/bench/*.bench.ts` once per available backend, each in its own
 * process (a fresh tfjs engine, no cross-talk between backends), and writes the rows to
 * bench/results/latest.json and bench/results/latest.md.
 *
 * A bench file default-exports a `Bench`, `async (backend: string) => BenchRow[]` (both in scripts/benchRow.ts). It may also export
 * `backends: string[]` to run on fewer backends than all of them (for example a pure-parsing bench on 'cpu').
 *
 * Options: `--filter <text>` runs only bench files whose path contains the text; `--backends webgpu,wasm`.
 * A partial run replaces only its own rows in latest.json/md and keeps the others (the date line is the last run's).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './benchRow.js';

const root = join(import.meta.dirname, '..');
const ALL_BACKENDS = ['webgpu', 'wasm', 'cpu'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function benchFiles(filter: string | undefined): string[] {
  const files: string[] = [];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', pkg, 'bench');
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith('.bench.ts')) files.push(join(dir, n));
  }
  return files.filter((f) => !filter || f.includes(filter)).sort();
}

/** Child mode: run one bench file on one backend and print its rows as JSON on the last line. */
async function runOne(file: string, backend: string): Promise<void> {
  const { initBackend } = await import('@tiefe/core');
  // Only the one backend is tried: initBackend throws when it does not start, never runs another.
  const got = await initBackend({ prefer: [backend as 'webgpu' | 'wasm' | 'cpu'] });
  const mod = await import(pathToFileURL(file).href);
  const rows: BenchRow[] = await mod.default(got.name);
  process.stdout.write(`\n@@ROWS@@${JSON.stringify({ rows, adapter: got.adapter })}\n`);
  process.exit(0); // Dawn keeps handles open; the rows are out
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') return runOne(process.argv[3], process.argv[4]);
  const wanted = (arg('backends') ?? ALL_BACKENDS.join(',')).split(',');
  const results: Array<BenchRow & { bench: string; backend: string }> = [];
  const adapters: Record<string, unknown> = {};
  for (const file of benchFiles(arg('filter'))) {
    const mod = await import(pathToFileURL(file).href);
    const backends: string[] = (mod.backends ?? ALL_BACKENDS).filter((b: string) => wanted.includes(b));
    for (const backend of backends) {
      const name = relative(root, file);
      process.stdout.write(`bench ${name} on ${backend} ... `);
      const child = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--one', file, backend], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: 30 * 60 * 1000,
      });
      const marker = child.stdout.lastIndexOf('@@ROWS@@');
      if (child.status !== 0 || marker < 0) {
        process.stdout.write('failed\n');
        const reason = (child.stderr || child.stdout).trim().split('\n').slice(-5).join('\n');
        results.push({ bench: name, backend, case: '(bench failed)', value: Number.NaN, unit: '', note: reason });
        continue;
      }
      const { rows, adapter } = JSON.parse(child.stdout.slice(marker + 8));
      if (adapter) adapters[backend] = adapter;
      process.stdout.write('done\n');
      for (const r of rows as BenchRow[]) results.push({ bench: name, backend, ...r });
    }
  }
  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    adapters,
    commit: safe(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()),
  };
  const out = join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  console.log(`\n${toMarkdown(results, machine)}`);
  // A partial run (--filter, --backends) replaces only the rows of the bench files and backends it ran.
  const ran = new Set(results.map((r) => `${r.bench}@${r.backend}`));
  const previous = readPrevious(join(out, 'latest.json')).filter((r) => !ran.has(`${r.bench}@${r.backend}`));
  const merged = [...previous, ...results].sort((a, b) => a.bench.localeCompare(b.bench));
  const md = toMarkdown(merged, machine);
  atomicWrite(join(out, 'latest.json'), `${JSON.stringify({ machine, results: merged }, null, 2)}\n`);
  atomicWrite(join(out, 'latest.md'), md);
  console.log(
    `written: ${relative(process.cwd(), join(out, 'latest.json'))}, ${relative(process.cwd(), join(out, 'latest.md'))}`,
  );
  if (results.some((r) => r.case === '(bench failed)')) process.exitCode = 1;
}

type Row = BenchRow & { bench: string; backend: string };

function readPrevious(path: string): Row[] {
  try {
    return JSON.parse(readFileSync(path, 'utf8')).results ?? [];
  } catch {
    return [];
  }
}

function safe(f: () => string): string | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

function atomicWrite(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function toMarkdown(
  rows: Array<BenchRow & { bench: string; backend: string }>,
  machine: Record<string, unknown>,
): string {
  const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : 'n/a');
  const lines = [
    '# Benchmark results',
    '',
    `${machine.date}, Node ${machine.node}, ${machine.cpus}, ${machine.memoryGiB} GiB, commit ${machine.commit ?? '?'}`,
    '',
    '| bench | case | backend | value | unit | target | met | note |',
    '| --- | --- | --- | ---: | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.bench} | ${r.case} | ${r.backend} | ${fmt(r.value)} | ${r.unit} | ${r.target ?? ''} | ${
          r.pass === undefined ? '' : r.pass ? 'yes' : 'no'
        } | ${(r.note ?? '').replace(/\n/g, ' ').replace(/\|/g, '/')} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

await main();
