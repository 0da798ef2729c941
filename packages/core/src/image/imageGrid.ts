import { InputError } from '../errors.js';
import { checkInt, checkOptions, describeValue } from '../validate.js';
import { drawImage } from './draw.js';
import { blankImage, type Color, checkImage, type RgbaImage } from './rgbaImage.js';

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Pixels between cells and around the grid (default 2). */
  padding?: number;
  /** Background colour (default white). */
  background?: Color;
}

/**
 * Lays out rows of images in a grid (cells as large as the largest image, images at the top left of their
 * cell; rows may differ in length), e.g. one row per digit with the input and its explanations.
 */
export function imageGrid(rows: RgbaImage[][], options: GridOptions = {}): RgbaImage {
  const { padding = 2, background = [255, 255, 255, 255] } = checkOptions('imageGrid: options', options);
  checkInt('imageGrid: padding', padding, 0);
  if (!Array.isArray(rows) || rows.length === 0 || rows.some((r) => !Array.isArray(r) || r.length === 0)) {
    throw new InputError('imageGrid: rows', 'a non-empty array of non-empty rows of images', describeValue(rows));
  }
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      checkImage(`imageGrid: rows[${r}][${c}]`, img);
    });
  });
  const cw = Math.max(...rows.flat().map((i) => i.width));
  const ch = Math.max(...rows.flat().map((i) => i.height));
  const cols = Math.max(...rows.map((r) => r.length));
  const out = blankImage(padding + cols * (cw + padding), padding + rows.length * (ch + padding), background);
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      drawImage(out, img, padding + c * (cw + padding), padding + r * (ch + padding));
    });
  });
  return out;
}
