import { describeValue, InputError } from '@tiefe/core';
import type { TopLevelSpec } from 'vega-lite';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

let modules: Promise<[Vega, VegaLite]> | undefined;

/**
 * vega and vega-lite, loaded on first use: vega's module has a top-level await, so a static import would
 * keep this package's CommonJS build from loading in Node (`require` cannot load such a module).
 */
function loadVega(): Promise<[Vega, VegaLite]> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]);
  return modules;
}

/** Options of {@link createView}. */
export interface ViewOptions {
  /** `'none'` renders headless (for toSVG); `'svg'` draws into `container`. */
  renderer: 'none' | 'svg';
  container?: HTMLElement;
  /** The public function, for error messages. */
  caller: string;
}

/** Compiles a Vega-Lite spec and returns a vega View of it, run once. */
export async function createView(spec: TopLevelSpec, options: ViewOptions): Promise<import('vega').View> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new InputError(`${options.caller}: spec`, 'a Vega-Lite spec object', describeValue(spec));
  const [vega, vl] = await loadVega();
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), {
    renderer: options.renderer,
    ...(options.container ? { container: options.container, hover: true } : {}),
  });
  await view.runAsync();
  return view;
}
