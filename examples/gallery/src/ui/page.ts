/** The common start of every gallery page: its report, the backend (with its notice) and the progress bar. */
import * as tf from '@tensorflow/tfjs-core';
import { startBackend } from './backend.js';
import { createProgress, type Progress } from './progress.js';
import { createReport, type PageReport } from './report.js';

/** Where the gallery's server serves tfjs's wasm binaries and the MNIST files (see src/serve.ts). */
export const WASM_URL = '/tfjs-wasm/';
export const MNIST_URL = '/data/mnist/';

/** What a page's program gets. */
export interface PageContext {
  app: HTMLElement;
  report: PageReport;
  progress: Progress;
  /** The page's whole-number `?name=N` (the test keeps pages short with `?steps=`), else `fallback`. */
  param(name: string, fallback: number): number;
}

/** Starts page `id` and hands it to `mount`; failures are shown on the page and in the report. */
export async function startPage(id: string, mount: (ctx: PageContext) => Promise<void>): Promise<void> {
  const report = createReport(id);
  const app = document.getElementById('app') as HTMLElement;
  const params = new URLSearchParams(location.search);
  try {
    const { choice, notice } = await startBackend(location.search, WASM_URL);
    report.backend = tf.getBackend();
    report.adapter = choice.adapter;
    report.notice = notice;
    const about = choice.adapter
      ? ` (${[choice.adapter.vendor, choice.adapter.architecture, choice.adapter.description].filter(Boolean).join(', ')})`
      : '';
    (document.getElementById('backend') as HTMLElement).textContent = `backend: ${report.backend}${about}`;
    (document.getElementById('notice') as HTMLElement).textContent = notice;
    const progress = createProgress(report);
    app.append(progress.element);
    const param = (name: string, fallback: number) => {
      const n = Number(params.get(name));
      return Number.isInteger(n) && n > 0 ? n : fallback;
    };
    await mount({ app, report, progress, param });
    if (report.state === 'starting') report.state = 'ready';
  } catch (e) {
    fail(report, e);
  }
}

/** Records and shows an error of the page. */
export function fail(report: PageReport, e: unknown): void {
  report.state = 'error';
  report.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const box = document.createElement('pre');
  box.className = 'error';
  box.textContent = report.error;
  document.getElementById('app')?.prepend(box);
}

/** Whether one of the page's tasks is running. */
let busy = false;

/**
 * Runs a page's task from a button: one task of the page at a time (a click while another runs is ignored: they
 * share the model and the backend), errors reported, state 'done' or 'stopped' at the end, and
 * `tf.memory().numTensors` before and after it in `report.tensors`.
 */
export function task(report: PageReport, work: () => Promise<'done' | 'stopped'>): () => void {
  return () => {
    if (busy) return;
    busy = true;
    report.state = 'running';
    const before = tf.memory().numTensors;
    work()
      .then((outcome) => {
        report.tensors = { before, after: tf.memory().numTensors };
        report.state = outcome;
      })
      .catch((e) => fail(report, e))
      .finally(() => {
        busy = false;
      });
  };
}
