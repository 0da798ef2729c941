/** Small DOM helpers of the gallery's pages: panels, buttons, images on canvases, live charts. */
import { mountChart, type TopLevelSpec } from '@tiefe/charts';
import type { RgbaImage } from '@tiefe/core';

/** A titled panel appended to `parent`; returns its content element. */
export function panel(parent: HTMLElement, title: string, id?: string): HTMLDivElement {
  const box = document.createElement('div');
  box.className = 'panel';
  if (id) box.id = id;
  const h = document.createElement('h3');
  h.textContent = title;
  box.append(h);
  parent.append(box);
  return box;
}

/** A flex row appended to `parent`. */
export function row(parent: HTMLElement): HTMLDivElement {
  const r = document.createElement('div');
  r.className = 'row';
  parent.append(r);
  return r;
}

/** A button appended to `parent`. */
export function button(parent: HTMLElement, id: string, label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.id = id;
  b.textContent = label;
  b.addEventListener('click', onClick);
  parent.append(b);
  return b;
}

/** A range input (`<input type="range">`) with its bounds, step and starting value; the caller places it. */
export function slider(id: string, range: { min: number; max: number; step: number; value: number }): HTMLInputElement {
  const s = document.createElement('input');
  s.type = 'range';
  s.id = id;
  s.min = String(range.min);
  s.max = String(range.max);
  s.step = String(range.step);
  s.value = String(range.value);
  return s;
}

/** A canvas of `width` x `height` appended to `parent`. */
export function canvas(parent: HTMLElement, id: string, width: number, height: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.id = id;
  c.width = width;
  c.height = height;
  parent.append(c);
  return c;
}

/** Draws `image` on `target` (resized to it), upscaled `zoom` times with no smoothing. */
export function drawRgba(target: HTMLCanvasElement, image: RgbaImage, zoom = 1): void {
  const src = document.createElement('canvas');
  src.width = image.width;
  src.height = image.height;
  src.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  target.width = image.width * zoom;
  target.height = image.height * zoom;
  const ctx = target.getContext('2d');
  if (!ctx) return;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, target.width, target.height);
}

/** A chart mounted in `parent` whose spec can be replaced; updates are queued so they never overlap. */
export interface LiveChart {
  update(spec: TopLevelSpec): Promise<void>;
}

/** Mounts a `@tiefe/charts` spec in a new element of `parent`. */
export function liveChart(parent: HTMLElement, id: string, spec: TopLevelSpec): LiveChart {
  const el = document.createElement('div');
  el.id = id;
  el.className = 'chart';
  parent.append(el);
  let queue = mountChart(el, spec);
  return {
    update(next) {
      const done = queue.then(async (view) => {
        await view.update(next);
        return view;
      });
      queue = done;
      return done.then(() => undefined);
    },
  };
}
