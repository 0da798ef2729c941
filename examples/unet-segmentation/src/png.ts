/** Minimal raster drawing to PNG (pngjs): line charts and image grids, no plotting dependency. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';

export type Rgb = [number, number, number];

export class Canvas {
  readonly png: PNG;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.png = new PNG({ width, height });
    for (let i = 0; i < width * height; i++) this.png.data.set([...background, 255], 4 * i);
  }

  pixel(x: number, y: number, c: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    this.png.data.set([...c, 255], 4 * (yi * this.width + xi));
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.pixel(x + i, y + j, c);
  }

  /** A thick line from (x0, y0) to (x1, y1). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 2): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      this.rect(x - thickness / 2, y - thickness / 2, thickness, thickness, c);
    }
  }

  /** Writes the PNG atomically (to `<file>.tmp`, then renamed). */
  save(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, PNG.sync.write(this.png));
    renameSync(`${file}.tmp`, file);
  }
}

/**
 * Line chart of several series over epochs, each series in its own panel (left to right), y from 0 to the max
 * (or 1 for values in [0, 1]), with a light grid at every tenth of the range.
 */
export function lineChart(file: string, panels: Array<{ series: Array<{ values: number[]; color: Rgb }> }>): void {
  const pw = 320;
  const ph = 220;
  const pad = 20;
  const canvas = new Canvas(panels.length * (pw + pad) + pad, ph + 2 * pad);
  panels.forEach((panel, p) => {
    const x0 = pad + p * (pw + pad);
    const all = panel.series.flatMap((s) => s.values).filter(Number.isFinite);
    const top = all.every((v) => v >= 0 && v <= 1) ? 1 : Math.max(...all, 1e-9);
    canvas.rect(x0, pad, pw, ph, [248, 248, 248]);
    for (let g = 0; g <= 10; g++)
      canvas.line(x0, pad + ph - (g * ph) / 10, x0 + pw, pad + ph - (g * ph) / 10, [225, 225, 225], 1);
    canvas.line(x0, pad + ph, x0 + pw, pad + ph, [0, 0, 0], 1);
    canvas.line(x0, pad, x0, pad + ph, [0, 0, 0], 1);
    for (const s of panel.series) {
      const n = s.values.length;
      const px = (i: number) => x0 + (n === 1 ? pw / 2 : (i * pw) / (n - 1));
      const py = (v: number) => pad + ph - (Math.max(0, v) / top) * ph;
      for (let i = 1; i < n; i++) canvas.line(px(i - 1), py(s.values[i - 1]), px(i), py(s.values[i]), s.color);
      for (let i = 0; i < n; i++) canvas.rect(px(i) - 2, py(s.values[i]) - 2, 5, 5, s.color);
    }
  });
  canvas.save(file);
}
