/**
 * `npm run bench`: runs `packages/<pkg>/bench/*.bench.ts` and `examples/<name>/bench/*.bench.ts`, one file on one backend at a time, each in its own
 * process (a fresh tfjs engine, no cross-talk between backends, nothing else competing for the cores), and
 * writes every result to bench/results/latest.json and latest.md as soon as it lands.
 *
 * A bench file default-exports a `Bench`, `async (backend, context) => BenchRow[]`, and declares its kind,
 * `export const kind = 'speed'` or `'accuracy'` (types in scripts/benchRow.ts). It may also export
 * `backends: string[]` to run on fewer backends than all of them (for example a pure-parsing bench on 'cpu').
 *
 * Usage: `npm run bench [-- <filter>...] [--filter <text>] [--backends wasm,cpu] [--kind speed|accuracy|all] [--list]`.
 * Without a filter only the speed benches run (`npm run bench:accuracy` runs the accuracy ones). A filter (a
 * positional word or `--filter`, several allowed) selects the bench files whose path contains any of them,
 * whatever their kind, unless `--kind` is given too. A partial run replaces only the rows of the bench files and
 * backends it ran and keeps the others; Ctrl-C stops the bench in progress and keeps every result already written.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchKind, BenchRow } from './benchRow.js';

const root = join(import.meta.dirname, '..');
/** Every backend a bench can run on, in the order the runner tries them and the table lists them. */
export const ALL_BACKENDS = ['webgpu', 'wasm', 'cpu'];
const KINDS = ['speed', 'accuracy', 'all'] as const;
/** A bench file on one backend is stopped after this long (the MNIST accuracy run takes ~30 minutes). */
const BENCH_TIMEOUT_MS = 45 * 60 * 1000;
/** With no output from a bench for this long, the runner prints that it is still running. */
const HEARTBEAT_MS = 30_000;
/** Lines of the child's protocol on its stdout start with this; everything else is the bench's own output. */
const MARK = '@@BENCH@@';

/** A result row as stored: the bench's row and where it came from. */
export type Row = BenchRow & { bench: string; backend: string; kind: BenchKind };

/** What the command line asks for. */
export interface BenchArgs {
  /** Substrings of bench paths; empty: every bench of `kind`. */
  filters: string[];
  backends: string[];
  /** Which kinds run; 'all' both. */
  kind: BenchKind | 'all';
  /** Print the bench files that would run, with kind and backends, and run nothing. */
  list: boolean;
}

/** Thrown for a command line the runner does not understand; main prints the message and the usage. */
export class UsageError extends Error {}

/** Parses `npm run bench` arguments (everything after the script name). */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const filters: string[] = [];
  let backends = ALL_BACKENDS;
  let kind: BenchArgs['kind'] | undefined;
  let list = false;
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--filter') filters.push(value(i++, 'filter'));
    else if (a === '--backends') {
      backends = value(i++, 'backends')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean);
      const unknown = backends.filter((b) => !ALL_BACKENDS.includes(b));
      if (unknown.length || !backends.length)
        throw new UsageError(
          `--backends: unknown ${unknown.join(', ') || '(none)'}; one of ${ALL_BACKENDS.join(', ')}`,
        );
    } else if (a === '--kind') {
      const k = value(i++, 'kind');
      if (!(KINDS as readonly string[]).includes(k)) throw new UsageError(`--kind: ${k}; one of ${KINDS.join(', ')}`);
      kind = k as BenchArgs['kind'];
    } else if (a === '--list') list = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else filters.push(a);
  }
  // A named bench runs whatever its kind (`npm run bench -- blocks/bench/mnist`); a plain run is the fast one.
  return { filters, backends, kind: kind ?? (filters.length ? 'all' : 'speed'), list };
}

/** The kind a bench file declares (`export const kind = 'speed'`), read from its source; undefined if none. */
export function declaredKind(source: string): BenchKind | undefined {
  const m = /^export const kind(?:\s*:\s*[\w.'"| ]+)?\s*=\s*['"](speed|accuracy)['"]/m.exec(source);
  return m?.[1] as BenchKind | undefined;
}

/** Every `*.bench.ts` under packages/<pkg>/bench and examples/<name>/bench, as paths relative to the repository root, sorted. */
function benchFiles(): string[] {
  const files: string[] = [];
  // A package's benches, and an example's (one that runs its own program, e.g. transfer-digits' protocol).
  for (const top of ['packages', 'examples']) {
    for (const dir of readdirSync(join(root, top))) {
      let names: string[] = [];
      try {
        names = readdirSync(join(root, top, dir, 'bench'));
      } catch {
        continue;
      }
      for (const n of names) if (n.endsWith('.bench.ts')) files.push(`${top}/${dir}/bench/${n}`);
    }
  }
  return files.sort();
}

/** The files `args` selects, with their kinds; a file that declares no kind counts as accuracy (never slows the default). */
export function selectBenches(
  files: ReadonlyArray<{ path: string; kind: BenchKind | undefined }>,
  args: Pick<BenchArgs, 'filters' | 'kind'>,
): Array<{ path: string; kind: BenchKind }> {
  return files
    .map((f) => ({ path: f.path, kind: f.kind ?? ('accuracy' as const) }))
    .filter((f) => !args.filters.length || args.filters.some((s) => f.path.includes(s)))
    .filter((f) => args.kind === 'all' || f.kind === args.kind);
}

/**
 * Previous rows with the fresh ones in: the fresh rows replace every previous row of the same bench file and
 * backend (a bench that now returns fewer rows leaves none of its old ones behind); the others are kept. Sorted by
 * bench, then backend in {@link ALL_BACKENDS} order; rows of one bench on one backend keep their order.
 */
export function mergeResults(previous: readonly Row[], fresh: readonly Row[]): Row[] {
  const ran = new Set(fresh.map((r) => `${r.bench}@${r.backend}`));
  const order = (b: string) => {
    const i = ALL_BACKENDS.indexOf(b);
    return i < 0 ? ALL_BACKENDS.length : i;
  };
  // Array sort is stable: rows that compare equal keep their order.
  return [...previous.filter((r) => !ran.has(`${r.bench}@${r.backend}`)), ...fresh].sort(
    (a, b) => a.bench.localeCompare(b.bench) || order(a.backend) - order(b.backend),
  );
}

/** A number as the table shows it: 3 significant digits, integers from 100 up, 'n/a' for NaN. */
export function formatValue(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)) : 'n/a';
}

const cell = (s: string) => s.replace(/\r?\n/g, ' ').replace(/\|/g, '/');

/** bench/results/latest.md: the machine line, then one table per kind (speed first). */
export function toMarkdown(rows: readonly Row[], machine: Record<string, unknown>): string {
  const lines = [
    '# Benchmark results',
    '',
    `${machine.date}, Node ${machine.node}, ${machine.cpus}, ${machine.memoryGiB} GiB, commit ${machine.commit ?? '?'}` +
      (machine.loadAverage === undefined ? '' : `, load average ${machine.loadAverage} at the start`),
    '(the date and machine of the last run; a partial run replaces only its own rows)',
  ];
  for (const kind of ['speed', 'accuracy'] as const) {
    const of = rows.filter((r) => (r.kind ?? 'accuracy') === kind);
    if (!of.length) continue;
    lines.push(
      '',
      `## ${kind === 'speed' ? 'Speed (`npm run bench`)' : 'Accuracy (`npm run bench:accuracy`)'}`,
      '',
      '| bench | case | backend | value | unit | target | met | note |',
      '| --- | --- | --- | ---: | --- | --- | --- | --- |',
      ...of.map(
        (r) =>
          `| ${r.bench} | ${cell(r.case)} | ${r.backend} | ${formatValue(r.value)} | ${cell(r.unit)} | ${cell(
            r.target ?? '',
          )} | ${r.pass === undefined ? '' : r.pass ? 'yes' : 'no'} | ${cell(r.note ?? '')} |`,
      ),
    );
  }
  lines.push('');
  return lines.join('\n');
}

/** Seconds as '12.3 s' or '4 min 05 s'. */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
}

/** Child mode: run one bench file on one backend; progress and rows go to stdout as protocol lines. */
async function runOne(file: string, backend: string): Promise<void> {
  const send = (message: object) => process.stdout.write(`\n${MARK}${JSON.stringify(message)}\n`);
  // Imported by name at run time (the built package): this file is also type-checked as part of core's own tests,
  // where a literal '@tiefe/core' would need core's dist before core is built.
  const corePackage: string = '@tiefe/core';
  const { initBackend } = (await import(corePackage)) as typeof import('../packages/core/src/index.js');
  // Only the one backend is tried: initBackend throws when it does not start, never runs another.
  const got = await initBackend({ prefer: [backend as 'webgpu' | 'wasm' | 'cpu'] });
  const mod = await import(pathToFileURL(join(root, file)).href);
  const rows: BenchRow[] = await mod.default(got.name, { progress: (message: string) => send({ progress: message }) });
  send({ rows, adapter: got.adapter });
  process.exit(0); // Dawn keeps handles open; the rows are out
}

interface Outcome {
  rows?: BenchRow[];
  adapter?: unknown;
  failure?: string;
}

let running: ChildProcess | undefined;

/** Runs one bench on one backend in a child process, printing its progress; resolves with its rows or why not. */
function runChild(file: string, backend: string, say: (line: string) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let lastOutput = t0;
    let outcome: Outcome = {};
    const tail: string[] = [];
    const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--one', file, backend], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    const keep = (line: string) => {
      tail.push(line);
      if (tail.length > 8) tail.shift();
    };
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith(MARK)) {
          if (line.trim()) keep(line);
          continue;
        }
        const message = JSON.parse(line.slice(MARK.length));
        lastOutput = performance.now();
        if (message.progress !== undefined)
          say(`    ${formatElapsed(lastOutput - t0).padStart(10)}  ${message.progress}`);
        else outcome = { rows: message.rows, adapter: message.adapter };
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      // The bench's own diagnostics (epoch lines, warnings): shown as they come, and kept for a failure note.
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        keep(line);
        lastOutput = performance.now();
        say(`    ${formatElapsed(lastOutput - t0).padStart(10)}  | ${line}`);
      }
    });
    const beat = setInterval(() => {
      if (performance.now() - lastOutput < HEARTBEAT_MS) return;
      lastOutput = performance.now();
      say(`    ${formatElapsed(lastOutput - t0).padStart(10)}  still running ${file} on ${backend}`);
    }, 1000);
    const limit = setTimeout(() => {
      outcome.failure = `stopped after ${formatElapsed(BENCH_TIMEOUT_MS)}`;
      child.kill('SIGKILL');
    }, BENCH_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearInterval(beat);
      clearTimeout(limit);
      running = undefined;
      if (!outcome.rows && !outcome.failure)
        outcome.failure = `exit ${code ?? signal}: ${tail.slice(-5).join(' / ') || 'no output'}`;
      resolve(outcome);
    });
  });
}

function readPrevious(path: string): { results: Row[]; adapters: Record<string, unknown> } {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8'));
    return { results: json.results ?? [], adapters: json.machine?.adapters ?? {} };
  } catch {
    return { results: [], adapters: {} };
  }
}

function safe(f: () => string): string | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}

/** Write to a temporary name in the same folder, then rename: a reader sees the old file or the new, never half. */
function atomicWrite(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const USAGE =
  'usage: npm run bench [-- <filter>...] [--filter <text>] [--backends webgpu,wasm,cpu] [--kind speed|accuracy|all] [--list]';

async function main(): Promise<void> {
  if (process.argv[2] === '--one') return runOne(process.argv[3], process.argv[4]);
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bench: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const files = benchFiles().map((path) => ({ path, kind: declaredKind(readFileSync(join(root, path), 'utf8')) }));
  for (const f of files) if (!f.kind) console.error(`bench: ${f.path} declares no kind; counted as accuracy`);
  const selected = selectBenches(files, args);
  const jobs: Array<{ path: string; kind: BenchKind; backend: string }> = [];
  for (const f of selected) {
    const mod = await import(pathToFileURL(join(root, f.path)).href);
    const backends: string[] = mod.backends ?? ALL_BACKENDS;
    for (const backend of ALL_BACKENDS)
      if (backends.includes(backend) && args.backends.includes(backend)) jobs.push({ ...f, backend });
  }
  if (args.list || !jobs.length) {
    if (!jobs.length)
      console.log(`no bench matches (filters: ${args.filters.join(', ') || 'none'}; kind ${args.kind}); all benches:`);
    for (const f of args.list ? selected : files) console.log(`  ${f.kind ?? 'accuracy'}  ${f.path}`);
    if (args.list) for (const j of jobs) console.log(`  run: ${j.path} on ${j.backend}`);
    process.exitCode = jobs.length || args.list ? 0 : 1;
    return;
  }
  const out = join(root, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    // Other processes on the machine slow every number: say how busy it was.
    loadAverage: Number(os.loadavg()[0].toFixed(1)),
    adapters: readPrevious(join(out, 'latest.json')).adapters,
    commit: safe(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()),
  };
  const say = (line: string) => process.stdout.write(`${line}\n`);
  let finished = 0;
  let failed = 0;
  process.on('SIGINT', () => {
    running?.kill('SIGKILL');
    say(`\ninterrupted: ${finished} of ${jobs.length} results were written to bench/results/latest.{json,md}`);
    process.exit(130);
  });
  const t0 = performance.now();
  say(`${jobs.length} bench runs (${args.kind === 'all' ? 'speed and accuracy' : args.kind}), one at a time:`);
  for (const [i, job] of jobs.entries()) {
    const started = performance.now();
    say(`[${i + 1}/${jobs.length}] ${job.path} on ${job.backend} (${job.kind}; ${formatElapsed(started - t0)} so far)`);
    const got = await runChild(job.path, job.backend, say);
    const tag = { bench: job.path, backend: job.backend, kind: job.kind };
    const fresh: Row[] = got.rows
      ? got.rows.map((r) => ({ ...tag, ...r }))
      : [{ ...tag, case: '(bench failed)', value: Number.NaN, unit: '', note: got.failure }];
    if (got.adapter) machine.adapters[job.backend] = got.adapter;
    for (const r of fresh)
      say(
        `    ${r.case}: ${formatValue(r.value)} ${r.unit}${r.target ? ` (target ${r.target}: ${r.pass ? 'met' : 'not met'})` : ''}`,
      );
    // Written now, so Ctrl-C or a later failure loses nothing that finished.
    // Rows written before benches declared kinds get the kind their file declares now.
    const kindOf = new Map(files.map((f) => [f.path, f.kind ?? ('accuracy' as const)]));
    // Rows of bench files that no longer exist are dropped.
    const previous = readPrevious(join(out, 'latest.json'))
      .results.filter((r) => kindOf.has(r.bench))
      .map((r) => ({ ...r, kind: r.kind ?? kindOf.get(r.bench) ?? 'accuracy' }));
    const merged = mergeResults(previous, fresh);
    atomicWrite(join(out, 'latest.json'), `${JSON.stringify({ machine, results: merged }, null, 2)}\n`);
    atomicWrite(join(out, 'latest.md'), toMarkdown(merged, machine));
    finished++;
    if (!got.rows) failed++;
    say(`    ${got.rows ? 'done' : 'FAILED'} in ${formatElapsed(performance.now() - started)}`);
  }
  say(
    `\n${jobs.length - failed} of ${jobs.length} bench runs finished in ${formatElapsed(performance.now() - t0)}; ` +
      `written: ${relative(process.cwd(), join(out, 'latest.json'))}, ${relative(process.cwd(), join(out, 'latest.md'))}`,
  );
  if (failed) process.exitCode = 1;
}

// Run only as the program (the runner's test imports the functions above).
if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
