/** What a page reports about itself in `window.__tiefe`, for visitors' consoles and the Playwright test. */
import type { AdapterInfo } from '@tiefe/core';

/** A page's state and numbers. */
export interface PageReport {
  page: string;
  /** `tf.getBackend()` once started. */
  backend?: string;
  adapter?: AdapterInfo;
  /** Why the backend is what it is (empty: WebGPU on a hardware adapter). */
  notice: string;
  state: 'starting' | 'ready' | 'running' | 'done' | 'stopped' | 'error';
  error?: string;
  /** Steps of the current long task. */
  progress: { done: number; total: number };
  /** `tf.memory().numTensors` before and after the last task (equal where the task keeps no model). */
  tensors?: { before: number; after: number };
  /** The page's own numbers (losses, accuracies, predictions). */
  numbers: Record<string, unknown>;
}

declare global {
  interface Window {
    __tiefe?: PageReport;
  }
}

/** Creates this page's report and publishes it as `window.__tiefe`. */
export function createReport(page: string): PageReport {
  const report: PageReport = { page, notice: '', state: 'starting', progress: { done: 0, total: 0 }, numbers: {} };
  window.__tiefe = report;
  return report;
}
