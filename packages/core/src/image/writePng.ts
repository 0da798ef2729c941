import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { describeValue } from '../validate.js';
import { encodePng } from './png.js';
import { checkImage, type RgbaImage } from './rgbaImage.js';

/**
 * Writes an image as a PNG file (Node only), atomically: to a temporary file beside `path`, then renamed, so
 * no half-written file is ever left under `path`. Creates missing parent folders.
 *
 * @example
 * await writePng('out/grid.png', imageGrid([[upscale(digit, 4), heat]]));
 */
export async function writePng(path: string, image: RgbaImage): Promise<void> {
  if (typeof path !== 'string' || path.length === 0)
    throw new InputError('writePng: path', 'a file path', describeValue(path));
  const bytes = encodePng(checkImage('writePng: image', image));
  await writeFileAtomic(path, bytes, 'writePng');
}
