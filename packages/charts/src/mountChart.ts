import { describeValue, InputError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';
import { createView } from './vegaModules.js';

/** A chart drawn live in the page by {@link mountChart}. */
export interface MountedChart {
  /** Redraws the element with another spec (new data after an epoch, say). */
  update(spec: TopLevelSpec): Promise<void>;
  /** Stops the view and empties the element. */
  destroy(): void;
}

/**
 * Browser: draws a spec into `element` as live SVG (with tooltips), and returns a handle to redraw or remove it.
 *
 * @example no-run
 * const chart = await mountChart(document.getElementById('curves')!, lineChart({ title, x, y, series }));
 * await chart.update(lineChart({ title, x, y, series: moreEpochs }));
 */
export async function mountChart(element: HTMLElement, spec: TopLevelSpec): Promise<MountedChart> {
  if (element === null || typeof element !== 'object' || typeof element.appendChild !== 'function')
    throw new InputError('mountChart: element', 'a DOM element', describeValue(element));
  const draw = (s: TopLevelSpec) => {
    element.replaceChildren();
    return createView(s, { renderer: 'svg', container: element, caller: 'mountChart' });
  };
  let view = await draw(spec);
  return {
    async update(next: TopLevelSpec) {
      view.finalize();
      view = await draw(next);
    },
    destroy() {
      view.finalize();
      element.replaceChildren();
    },
  };
}
