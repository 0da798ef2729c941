/** Long work with a progress bar, an ETA and a Stop button; every step yields to the event loop. */
import * as tf from '@tensorflow/tfjs-core';
import { formatDuration } from '@tiefe/core';
import type { PageReport } from './report.js';

/** A progress bar with its Stop button, shared by a page's long tasks. */
export interface Progress {
  element: HTMLElement;
  /**
   * Runs `step(i)` for i = 0 .. total-1 unless Stop is pressed, awaiting `tf.nextFrame()` after each step so the
   * page stays responsive; updates the bar, the ETA and `report.progress`. Resolves 'done' or 'stopped'.
   */
  run(label: string, total: number, step: (i: number) => Promise<void>): Promise<'done' | 'stopped'>;
}

/** Creates the progress bar of a page (hidden until a task runs). */
export function createProgress(report: PageReport): Progress {
  const element = document.createElement('div');
  element.className = 'progress';
  const text = document.createElement('span');
  const bar = document.createElement('progress');
  const eta = document.createElement('span');
  const stop = document.createElement('button');
  stop.textContent = 'Stop';
  stop.id = 'stop';
  stop.disabled = true;
  element.append(text, bar, eta, stop);
  let stopping = false;
  stop.addEventListener('click', () => {
    stopping = true;
  });
  return {
    element,
    async run(label, total, step) {
      stopping = false;
      stop.disabled = false;
      report.state = 'running';
      report.progress = { done: 0, total };
      text.textContent = label;
      bar.max = total;
      bar.value = 0;
      eta.textContent = '';
      const t0 = performance.now();
      let outcome: 'done' | 'stopped' = 'done';
      try {
        for (let i = 0; i < total; i++) {
          if (stopping) {
            outcome = 'stopped';
            break;
          }
          await step(i);
          report.progress = { done: i + 1, total };
          bar.value = i + 1;
          const ms = performance.now() - t0;
          eta.textContent = `${i + 1}/${total}, ETA ${formatDuration(((total - i - 1) * ms) / (i + 1))}`;
          await tf.nextFrame();
        }
      } finally {
        stop.disabled = true;
      }
      if (outcome === 'stopped') eta.textContent += ' (stopped)';
      return outcome;
    },
  };
}
