import { InputError } from '@tiefe/core';

/**
 * An RGBA image: `data` holds width * height * 4 bytes, row by row. It has the shape of the browser's ImageData,
 * so `new ImageData(img.data, img.width, img.height)` or `ctx.putImageData(img as ImageData, 0, 0)` draw it.
 */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A new image filled with one RGBA colour (default opaque white). */
export function blankImage(
  width: number,
  height: number,
  rgba: [number, number, number, number] = [255, 255, 255, 255],
): RgbaImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InputError('size', 'positive integer width and height', `${width} x ${height}`);
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, i * 4);
  return { width, height, data };
}

/** Nearest-neighbour upscaling by an integer factor (for small images such as 28 x 28 digits). */
export function upscale(img: RgbaImage, factor: number): RgbaImage {
  if (!Number.isInteger(factor) || factor < 1) throw new InputError('factor', 'a positive integer', String(factor));
  if (factor === 1) return img;
  const out = blankImage(img.width * factor, img.height * factor);
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const s = (Math.floor(y / factor) * img.width + Math.floor(x / factor)) * 4;
      out.data.set(img.data.subarray(s, s + 4), (y * out.width + x) * 4);
    }
  }
  return out;
}

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Pixels between cells and around the grid (default 2). */
  padding?: number;
  /** Background RGBA (default white). */
  background?: [number, number, number, number];
}

/**
 * Lays out rows of images in a grid (cells as large as the largest image; rows may differ in length), e.g. one
 * row per digit with the input and its explanations.
 */
export function imageGrid(rows: RgbaImage[][], options: GridOptions = {}): RgbaImage {
  const pad = options.padding ?? 2;
  if (!Array.isArray(rows) || rows.length === 0 || rows.some((r) => !Array.isArray(r) || r.length === 0)) {
    throw new InputError('rows', 'a non-empty array of non-empty rows of images', String(rows));
  }
  const cw = Math.max(...rows.flat().map((i) => i.width));
  const ch = Math.max(...rows.flat().map((i) => i.height));
  const cols = Math.max(...rows.map((r) => r.length));
  const out = blankImage(pad + cols * (cw + pad), pad + rows.length * (ch + pad), options.background);
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      const ox = pad + c * (cw + pad);
      const oy = pad + r * (ch + pad);
      for (let y = 0; y < img.height; y++) {
        const src = img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4);
        out.data.set(src, ((oy + y) * out.width + ox) * 4);
      }
    });
  });
  return out;
}
