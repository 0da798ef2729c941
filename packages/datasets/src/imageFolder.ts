import type * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { DatasetFormatError } from './errors.js';
import { joinLocation, listFolder, readBytes } from './files.js';
import { decodeImage, resizeBytes, rgbaTo } from './image.js';
import type { LabeledImages, LabelTensor } from './mnist.js';
import { type LabelEncoding, labelsToTensor, type PixelScale, pixelsToTensor } from './pixels.js';

/** One image file and its class index, for {@link loadImageFiles}. */
export interface ImageFileEntry {
  /** Path (Node) or URL. */
  location: string;
  label: number;
}

/** Options of {@link loadImageFiles} and {@link loadImageFolder}. */
export interface ImageFilesOptions<E extends LabelEncoding = 'int'> {
  /** Resize every image to [height, width] (bilinear); default: all images must share one size. */
  size?: [number, number];
  /** 3 (RGB, default) or 1 (grey, BT.601 luma). */
  channels?: 1 | 3;
  /** Pixel scaling (default 'unit'). */
  scale?: PixelScale;
  /** Label encoding (default 'int'). */
  labels?: E;
}

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions<E extends LabelEncoding = 'int'> extends ImageFilesOptions<E> {
  /** The root folder: one sub-folder per class, `root/<class>/<image>.png|jpg|jpeg`. */
  dir: string;
}

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/**
 * Loads PNG/JPEG files with given labels into images float32 [n, h, w, c] and labels; works in Node
 * (paths) and in the browser (URLs). `classNames` must list the class of each label index.
 */
export async function loadImageFiles<E extends LabelEncoding = 'int'>(
  entries: ImageFileEntry[],
  classNames: string[],
  options: ImageFilesOptions<E> = {},
): Promise<LabeledImages<LabelTensor<E>> & { files: string[] }> {
  if (entries.length === 0) throw new InputError('loadImageFiles: entries', 'at least one image', 'none');
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new InputError('loadImageFiles: channels', '1 or 3', String(channels));
  let size = options.size;
  let pixels: Uint8Array | undefined;
  const labels = new Int32Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const { location, label } = entries[i];
    if (!Number.isInteger(label) || label < 0 || label >= classNames.length) {
      throw new InputError(
        `loadImageFiles: entries[${i}].label`,
        `an integer in 0..${classNames.length - 1}`,
        String(label),
      );
    }
    const img = await decodeImage(await readBytes(location), location);
    let bytes = rgbaTo(img, channels);
    if (!size) size = [img.height, img.width];
    if (img.height !== size[0] || img.width !== size[1]) {
      if (!options.size) {
        throw new DatasetFormatError(
          location,
          0,
          `an image of ${size[1]}x${size[0]} like the first one (or pass size)`,
          `${img.width}x${img.height}`,
        );
      }
      bytes = resizeBytes(bytes, [img.height, img.width, channels], size, 'bilinear');
    }
    const per = size[0] * size[1] * channels;
    pixels ??= new Uint8Array(entries.length * per);
    pixels.set(bytes, i * per);
    labels[i] = label;
  }
  const [h, w] = size!;
  return {
    images: pixelsToTensor<tf.Rank.R4>(pixels!, [entries.length, h, w, channels], options.scale),
    labels: labelsToTensor(labels, options.labels ?? 'int', classNames.length) as LabelTensor<E>,
    classNames: [...classNames],
    files: entries.map((e) => e.location),
  };
}

/**
 * Loads an image-classification folder `root/<class>/<image>` (PNG, JPEG) (Node). Classes are the
 * sub-folder names in sorted order, label i = classNames[i]; files are read in sorted order.
 *
 * @example
 * const { images, labels, classNames } = await loadImageFolder({ dir: 'flowers', size: [64, 64] });
 */
export async function loadImageFolder<E extends LabelEncoding = 'int'>(
  options: ImageFolderOptions<E>,
): Promise<LabeledImages<LabelTensor<E>> & { files: string[] }> {
  const classNames = (await listFolder(options.dir, 'loadImageFolder: dir')).filter((e) => e.isDir).map((e) => e.name);
  const entries: ImageFileEntry[] = [];
  for (let c = 0; c < classNames.length; c++) {
    const folder = joinLocation(options.dir, classNames[c]);
    for (const f of await listFolder(folder, 'loadImageFolder: dir')) {
      if (!f.isDir && IMAGE_FILE.test(f.name)) entries.push({ location: joinLocation(folder, f.name), label: c });
    }
  }
  if (entries.length === 0)
    throw new InputError(
      'loadImageFolder: dir',
      `class sub-folders with PNG or JPEG images in ${options.dir}`,
      'no images',
    );
  return loadImageFiles(entries, classNames, options);
}
