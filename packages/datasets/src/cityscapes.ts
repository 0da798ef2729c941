import * as tf from '@tensorflow/tfjs-core';
import { createRng, InputError } from '@tiefe/core';
import { DatasetFormatError, DatasetMissingError } from './errors.js';
import { exists, joinLocation, listFolder, readBytes } from './files.js';
import { decodeImage, resizeBytes, rgbaTo } from './image.js';
import { type PixelScale, pixelsToTensor } from './pixels.js';

/** One Cityscapes label: name, labelId (as in `*_gtFine_labelIds.png`), trainId (255 = ignored), category. */
export interface CityscapesLabel {
  name: string;
  id: number;
  trainId: number;
  category: string;
  catId: number;
}

/**
 * The official Cityscapes label table (cityscapesScripts `labels.py`): 34 labelIds, 19 of them trained
 * (trainId 0..18), the rest mapped to 255 (ignore); 8 categories with catId 0..7.
 */
export const CITYSCAPES_LABELS: readonly CityscapesLabel[] = [
  ['unlabeled', 0, 255, 'void', 0],
  ['ego vehicle', 1, 255, 'void', 0],
  ['rectification border', 2, 255, 'void', 0],
  ['out of roi', 3, 255, 'void', 0],
  ['static', 4, 255, 'void', 0],
  ['dynamic', 5, 255, 'void', 0],
  ['ground', 6, 255, 'void', 0],
  ['road', 7, 0, 'flat', 1],
  ['sidewalk', 8, 1, 'flat', 1],
  ['parking', 9, 255, 'flat', 1],
  ['rail track', 10, 255, 'flat', 1],
  ['building', 11, 2, 'construction', 2],
  ['wall', 12, 3, 'construction', 2],
  ['fence', 13, 4, 'construction', 2],
  ['guard rail', 14, 255, 'construction', 2],
  ['bridge', 15, 255, 'construction', 2],
  ['tunnel', 16, 255, 'construction', 2],
  ['pole', 17, 5, 'object', 3],
  ['polegroup', 18, 255, 'object', 3],
  ['traffic light', 19, 6, 'object', 3],
  ['traffic sign', 20, 7, 'object', 3],
  ['vegetation', 21, 8, 'nature', 4],
  ['terrain', 22, 9, 'nature', 4],
  ['sky', 23, 10, 'sky', 5],
  ['person', 24, 11, 'human', 6],
  ['rider', 25, 12, 'human', 6],
  ['car', 26, 13, 'vehicle', 7],
  ['truck', 27, 14, 'vehicle', 7],
  ['bus', 28, 15, 'vehicle', 7],
  ['caravan', 29, 255, 'vehicle', 7],
  ['trailer', 30, 255, 'vehicle', 7],
  ['train', 31, 16, 'vehicle', 7],
  ['motorcycle', 32, 17, 'vehicle', 7],
  ['bicycle', 33, 18, 'vehicle', 7],
].map(([name, id, trainId, category, catId]) => ({ name, id, trainId, category, catId }) as CityscapesLabel);

/** The 19 trained classes, in trainId order. */
export const CITYSCAPES_TRAIN_CLASSES: readonly string[] = CITYSCAPES_LABELS.filter((l) => l.trainId !== 255)
  .sort((a, b) => a.trainId - b.trainId)
  .map((l) => l.name);

/** The 8 categories in catId order (void = 0, flat = 1, ..., vehicle = 7). */
export const CITYSCAPES_CATEGORIES: readonly string[] = [
  'void',
  'flat',
  'construction',
  'object',
  'nature',
  'sky',
  'human',
  'vehicle',
];

/** The label value Cityscapes training ignores. */
export const CITYSCAPES_IGNORE = 255;

/** Which mask values {@link loadCityscapes} returns. */
export type CityscapesLabelMode = 'trainId' | 'category' | 'labelId';

/**
 * A 256-entry lookup table from labelId to trainId (unknown ids and non-trained classes -> 255) or to catId
 * (unknown -> 255), or the identity for 'labelId'.
 */
export function cityscapesLookup(mode: CityscapesLabelMode): Uint8Array {
  const lut = new Uint8Array(256).fill(CITYSCAPES_IGNORE);
  if (mode === 'labelId') return Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const l of CITYSCAPES_LABELS) lut[l.id] = mode === 'trainId' ? l.trainId : l.catId;
  return lut;
}

/** Maps a labelId mask (bytes) to trainIds or categories. */
export function mapCityscapesLabels(labelIds: Uint8Array, mode: CityscapesLabelMode): Uint8Array {
  const lut = cityscapesLookup(mode);
  const out = new Uint8Array(labelIds.length);
  for (let i = 0; i < labelIds.length; i++) out[i] = lut[labelIds[i]];
  return out;
}

/** Options of {@link loadCityscapes}. */
export interface CityscapesOptions {
  /** Cityscapes root, holding `leftImg8bit/` and `gtFine/`. */
  dir: string;
  /** 'train', 'val' or 'test' (default 'train'). */
  split?: string;
  /** Mask values: 'trainId' (19 classes + 255, default), 'category' (catId 0..7), 'labelId' (raw 0..33). */
  labels?: CityscapesLabelMode;
  /** Resize image (bilinear) and mask (nearest) to [height, width] first. */
  size?: [number, number];
  /** Then crop image and mask together to [height, width] at a seeded random position per example. */
  crop?: [number, number];
  /** Seed of the crop positions (default 0). */
  seed?: number;
  /** Only the cities listed (default all). */
  cities?: string[];
  /** Keep only the first `limit` examples (sorted by city and file name). */
  limit?: number;
  /** Pixel scaling of the images (default 'unit'). */
  scale?: PixelScale;
}

/** A segmentation data set: images, integer masks, class names and the files read. */
export interface SegmentationData {
  /** float32 [n, h, w, 3]. */
  images: tf.Tensor4D;
  /** int32 [n, h, w]; 255 marks ignored pixels for 'trainId' and 'category'. */
  masks: tf.Tensor3D;
  /** Name of each mask value (trainId or catId order; for 'labelId', the 34 label names). */
  classNames: string[];
  files: { image: string; mask: string }[];
}

/**
 * Loads the Cityscapes fine annotations: `leftImg8bit/<split>/<city>/<name>_leftImg8bit.png` with
 * `gtFine/<split>/<city>/<name>_gtFine_labelIds.png`, masks mapped with the official table (Node).
 * Cityscapes needs a login to download, so there is no `download` option.
 */
export async function loadCityscapes(options: CityscapesOptions): Promise<SegmentationData> {
  const split = options.split ?? 'train';
  const mode = options.labels ?? 'trainId';
  if (!['trainId', 'category', 'labelId'].includes(mode))
    throw new InputError('loadCityscapes: labels', "'trainId', 'category' or 'labelId'", String(mode));
  const imageRoot = joinLocation(joinLocation(options.dir, 'leftImg8bit'), split);
  const maskRoot = joinLocation(joinLocation(options.dir, 'gtFine'), split);
  if (!(await folderExists(imageRoot))) {
    throw new DatasetMissingError('Cityscapes', [`leftImg8bit/${split}/<city>/*_leftImg8bit.png`], options.dir, [
      'https://www.cityscapes-dataset.com/downloads/',
    ]);
  }
  let files: { image: string; mask: string }[] = [];
  for (const city of (await listFolder(imageRoot, 'loadCityscapes: dir')).filter((e) => e.isDir).map((e) => e.name)) {
    if (options.cities && !options.cities.includes(city)) continue;
    for (const f of await listFolder(joinLocation(imageRoot, city), 'loadCityscapes: dir')) {
      if (!f.name.endsWith('_leftImg8bit.png')) continue;
      const base = f.name.slice(0, -'_leftImg8bit.png'.length);
      const mask = joinLocation(joinLocation(maskRoot, city), `${base}_gtFine_labelIds.png`);
      if (!(await exists(mask))) {
        throw new DatasetMissingError(
          'Cityscapes',
          [`gtFine/${split}/${city}/${base}_gtFine_labelIds.png`],
          options.dir,
          ['https://www.cityscapes-dataset.com/downloads/'],
        );
      }
      files.push({ image: joinLocation(joinLocation(imageRoot, city), f.name), mask });
    }
  }
  if (options.limit !== undefined) files = files.slice(0, options.limit);
  if (files.length === 0) throw new InputError('loadCityscapes: dir', `Cityscapes images in ${imageRoot}`, 'none');
  const lut = cityscapesLookup(mode);
  let size = options.size;
  let images: Uint8Array | undefined;
  let masks: Uint8Array | undefined;
  for (let i = 0; i < files.length; i++) {
    const img = await decodeImage(await readBytes(files[i].image), files[i].image);
    const lab = await decodeImage(await readBytes(files[i].mask), files[i].mask);
    if (img.width !== lab.width || img.height !== lab.height) {
      throw new DatasetFormatError(
        files[i].mask,
        0,
        `a ${img.width}x${img.height} mask like its image`,
        `${lab.width}x${lab.height}`,
      );
    }
    let rgb = rgbaTo(img, 3);
    let ids = rgbaTo(lab, 'first');
    if (!size) size = [img.height, img.width];
    if (img.height !== size[0] || img.width !== size[1]) {
      if (!options.size) {
        throw new DatasetFormatError(
          files[i].image,
          0,
          `${size[1]}x${size[0]} like the first image (or pass size)`,
          `${img.width}x${img.height}`,
        );
      }
      rgb = resizeBytes(rgb, [img.height, img.width, 3], size, 'bilinear');
      ids = resizeBytes(ids, [img.height, img.width, 1], size, 'nearest');
    }
    const per = size[0] * size[1];
    images ??= new Uint8Array(files.length * per * 3);
    masks ??= new Uint8Array(files.length * per);
    images.set(rgb, i * per * 3);
    for (let p = 0; p < per; p++) masks[i * per + p] = lut[ids[p]];
  }
  const [h, w] = size!;
  const n = files.length;
  let outImages = pixelsToTensor<tf.Rank.R4>(images!, [n, h, w, 3], options.scale);
  let outMasks = tf.tensor3d(Int32Array.from(masks!), [n, h, w], 'int32');
  if (options.crop) {
    const cropped = randomCropImageAndMask(outImages, outMasks, options.crop, options.seed ?? 0);
    tf.dispose([outImages, outMasks]);
    outImages = cropped.images;
    outMasks = cropped.masks;
  }
  const classNames =
    mode === 'trainId'
      ? [...CITYSCAPES_TRAIN_CLASSES]
      : mode === 'category'
        ? [...CITYSCAPES_CATEGORIES]
        : CITYSCAPES_LABELS.map((l) => l.name);
  return { images: outImages, masks: outMasks, classNames, files };
}

/** Whether `folder` can be listed; a folder that cannot be listed at all (browser, URL) is the caller's error. */
async function folderExists(folder: string): Promise<boolean> {
  try {
    await listFolder(folder, 'loadCityscapes: dir');
    return true;
  } catch (e) {
    if (e instanceof InputError) throw e;
    return false;
  }
}

/**
 * Resizes images [n, h, w, c] (bilinear) and masks [n, h, w] (nearest neighbour, so labels stay labels)
 * together to `size` = [height, width]. Half-pixel centres. Inputs are not disposed.
 */
export function resizeImageAndMask(
  images: tf.Tensor4D,
  masks: tf.Tensor3D,
  size: [number, number],
): { images: tf.Tensor4D; masks: tf.Tensor3D } {
  checkPair('resizeImageAndMask', images, masks);
  return tf.tidy(() => ({
    images: tf.image.resizeBilinear(images, size, false, true),
    masks: tf.cast(
      tf.squeeze(tf.image.resizeNearestNeighbor(tf.expandDims(masks, 3) as tf.Tensor4D, size, false, true), [3]),
      masks.dtype,
    ) as tf.Tensor3D,
  }));
}

/**
 * Crops images [n, h, w, c] and masks [n, h, w] together to `size` = [height, width], at a uniformly random
 * position per example (seeded), the same for image and mask. Inputs are not disposed.
 */
export function randomCropImageAndMask(
  images: tf.Tensor4D,
  masks: tf.Tensor3D,
  size: [number, number],
  seed = 0,
): { images: tf.Tensor4D; masks: tf.Tensor3D } {
  checkPair('randomCropImageAndMask', images, masks);
  const [n, h, w, c] = images.shape;
  const [ch, cw] = size;
  if (!(ch >= 1 && cw >= 1 && ch <= h && cw <= w))
    throw new InputError('randomCropImageAndMask: size', `a crop of at most ${h}x${w}`, `${ch}x${cw}`);
  const rng = createRng(seed);
  const offsets = Array.from({ length: n }, () => [rng.int(h - ch + 1), rng.int(w - cw + 1)]);
  return tf.tidy(() => ({
    images: tf.stack(
      offsets.map(([y, x], i) => tf.reshape(tf.slice(images, [i, y, x, 0], [1, ch, cw, c]), [ch, cw, c])),
    ) as tf.Tensor4D,
    masks: tf.stack(
      offsets.map(([y, x], i) => tf.reshape(tf.slice(masks, [i, y, x], [1, ch, cw]), [ch, cw])),
    ) as tf.Tensor3D,
  }));
}

function checkPair(fn: string, images: tf.Tensor4D, masks: tf.Tensor3D): void {
  if (images.rank !== 4)
    throw new InputError(`${fn}: images`, 'a rank-4 tensor [n, h, w, c]', `shape [${images.shape}]`);
  const [n, h, w] = images.shape;
  if (masks.rank !== 3 || masks.shape[0] !== n || masks.shape[1] !== h || masks.shape[2] !== w) {
    throw new InputError(`${fn}: masks`, `a tensor [${n}, ${h}, ${w}]`, `shape [${masks.shape}]`);
  }
}
