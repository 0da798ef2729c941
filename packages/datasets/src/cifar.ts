import type * as tf from '@tensorflow/tfjs-core';
import { InputError, importNodeOnly, isNode } from '@tiefe/core';
import { DatasetFormatError } from './errors.js';
import { exists, joinLocation, readBytes } from './files.js';
import { maybeGunzip } from './gzip.js';
import type { LabeledImages, LabelTensor } from './mnist.js';
import { type LabelEncoding, labelsToTensor, type PixelScale, pixelsToTensor } from './pixels.js';
import { CIFAR10, CIFAR100, type DatasetSpec } from './registry.js';
import { locateFiles, type SourceOptions } from './source.js';
import { readTar } from './tar.js';

/** CIFAR-10 class names, in label order. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** CIFAR-100 coarse (superclass) names, in label order. */
export const CIFAR100_COARSE_CLASSES = [
  'aquatic_mammals',
  'fish',
  'flowers',
  'food_containers',
  'fruit_and_vegetables',
  'household_electrical_devices',
  'household_furniture',
  'insects',
  'large_carnivores',
  'large_man-made_outdoor_things',
  'large_natural_outdoor_scenes',
  'large_omnivores_and_herbivores',
  'medium_mammals',
  'non-insect_invertebrates',
  'people',
  'reptiles',
  'small_mammals',
  'trees',
  'vehicles_1',
  'vehicles_2',
];

/** CIFAR-100 fine class names, in label order. */
export const CIFAR100_FINE_CLASSES = [
  'apple',
  'aquarium_fish',
  'baby',
  'bear',
  'beaver',
  'bed',
  'bee',
  'beetle',
  'bicycle',
  'bottle',
  'bowl',
  'boy',
  'bridge',
  'bus',
  'butterfly',
  'camel',
  'can',
  'castle',
  'caterpillar',
  'cattle',
  'chair',
  'chimpanzee',
  'clock',
  'cloud',
  'cockroach',
  'couch',
  'crab',
  'crocodile',
  'cup',
  'dinosaur',
  'dolphin',
  'elephant',
  'flatfish',
  'forest',
  'fox',
  'girl',
  'hamster',
  'house',
  'kangaroo',
  'keyboard',
  'lamp',
  'lawn_mower',
  'leopard',
  'lion',
  'lizard',
  'lobster',
  'man',
  'maple_tree',
  'motorcycle',
  'mountain',
  'mouse',
  'mushroom',
  'oak_tree',
  'orange',
  'orchid',
  'otter',
  'palm_tree',
  'pear',
  'pickup_truck',
  'pine_tree',
  'plain',
  'plate',
  'poppy',
  'porcupine',
  'possum',
  'rabbit',
  'raccoon',
  'ray',
  'road',
  'rocket',
  'rose',
  'sea',
  'seal',
  'shark',
  'shrew',
  'skunk',
  'skyscraper',
  'snail',
  'snake',
  'spider',
  'squirrel',
  'streetcar',
  'sunflower',
  'sweet_pepper',
  'table',
  'tank',
  'telephone',
  'television',
  'tiger',
  'tractor',
  'train',
  'trout',
  'tulip',
  'turtle',
  'wardrobe',
  'whale',
  'willow_tree',
  'wolf',
  'woman',
  'worm',
];

const SIDE = 32;
const PIXELS = SIDE * SIDE * 3;

/** Parsed CIFAR binary records: HWC pixels and labels. */
export interface CifarRecords {
  /** n x 32 x 32 x 3 bytes, channels last (converted from the files' planar R, G, B order). */
  pixels: Uint8Array;
  /** CIFAR-10 label, or CIFAR-100 fine label, per record. */
  labels: Uint8Array;
  /** CIFAR-100 coarse label per record (absent for CIFAR-10). */
  coarseLabels?: Uint8Array;
  count: number;
}

/**
 * Parses CIFAR binary-version records. CIFAR-10: `<1 label byte><3072 pixel bytes>`; CIFAR-100:
 * `<1 coarse byte><1 fine byte><3072 pixel bytes>`; pixels are 1024 red, 1024 green, 1024 blue, each
 * row-major 32 x 32. Several files' bytes may be given and are concatenated in order.
 */
export function parseCifar(files: { name: string; bytes: Uint8Array }[], variant: 10 | 100): CifarRecords {
  const head = variant === 10 ? 1 : 2;
  const record = head + PIXELS;
  let count = 0;
  for (const f of files) {
    if (f.bytes.length === 0 || f.bytes.length % record !== 0) {
      throw new DatasetFormatError(
        f.name,
        Math.floor(f.bytes.length / record) * record,
        `whole ${record}-byte CIFAR-${variant} records`,
        `${f.bytes.length} bytes (${f.bytes.length % record} bytes left over)`,
      );
    }
    count += f.bytes.length / record;
  }
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const coarse = variant === 100 ? new Uint8Array(count) : undefined;
  let r = 0;
  const fineMax = variant === 10 ? 10 : 100;
  for (const f of files) {
    const b = f.bytes;
    for (let at = 0; at < b.length; at += record, r++) {
      const fine = b[at + head - 1];
      if (fine >= fineMax)
        throw new DatasetFormatError(f.name, at + head - 1, `a label in 0..${fineMax - 1}`, String(fine));
      labels[r] = fine;
      if (coarse) {
        if (b[at] >= 20) throw new DatasetFormatError(f.name, at, 'a coarse label in 0..19', String(b[at]));
        coarse[r] = b[at];
      }
      const src = at + head;
      const dst = r * PIXELS;
      for (let i = 0; i < 1024; i++) {
        pixels[dst + 3 * i] = b[src + i];
        pixels[dst + 3 * i + 1] = b[src + 1024 + i];
        pixels[dst + 3 * i + 2] = b[src + 2048 + i];
      }
    }
  }
  return { pixels, labels, coarseLabels: coarse, count };
}

/** Options of {@link loadCifar10} and {@link loadCifar100}. */
export interface CifarOptions<E extends LabelEncoding = 'int'> extends SourceOptions {
  /** 'train' (the five data batches, or train.bin) or 'test' (default 'train'). */
  split?: 'train' | 'test';
  /** Pixel scaling (default 'unit'). */
  scale?: PixelScale;
  /** Label encoding (default 'int'). */
  labels?: E;
  /** Keep only the first `limit` examples. */
  limit?: number;
}

/** Options of {@link loadCifar100}: also which label set. */
export interface Cifar100Options<E extends LabelEncoding = 'int'> extends CifarOptions<E> {
  /** 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  labelMode?: 'fine' | 'coarse';
}

interface Layout {
  spec: DatasetSpec;
  folder: string;
  archive: string;
  train: string[];
  test: string[];
}

const LAYOUT10: Layout = {
  spec: CIFAR10,
  folder: 'cifar-10-batches-bin',
  archive: 'cifar-10-binary.tar.gz',
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
};
const LAYOUT100: Layout = {
  spec: CIFAR100,
  folder: 'cifar-100-binary',
  archive: 'cifar-100-binary.tar.gz',
  train: ['train.bin'],
  test: ['test.bin'],
};

/**
 * Finds the split's `.bin` files: in `dir/<extracted folder>/`, directly in `dir`, or inside
 * `dir/<archive>.tar.gz` (read in memory). With `download`, the archive is fetched into the cache (or `dir`)
 * and extracted next to it once, refusing unsafe members.
 */
async function readCifarFiles(
  layout: Layout,
  split: 'train' | 'test',
  options: SourceOptions,
): Promise<{ name: string; bytes: Uint8Array }[]> {
  const names = split === 'train' ? layout.train : layout.test;
  const candidates: string[] = [];
  if (options.dir) candidates.push(joinLocation(options.dir, layout.folder), options.dir);
  for (const folder of candidates) {
    if (await exists(joinLocation(folder, names[0]))) {
      return Promise.all(
        names.map(async (n) => ({ name: joinLocation(folder, n), bytes: await readBytes(joinLocation(folder, n)) })),
      );
    }
  }
  if (!options.dir && isNode) {
    // The cache keeps the extracted folder after a first download.
    const { defaultCacheDir } = await import('./download.js');
    const { join } = await importNodeOnly<typeof import('node:path')>('node:path');
    const cached = join(options.cacheDir ?? (await defaultCacheDir()), layout.spec.id, layout.folder);
    if (await exists(join(cached, names[0]))) {
      return Promise.all(names.map(async (n) => ({ name: join(cached, n), bytes: await readBytes(join(cached, n)) })));
    }
  }
  const folder = await locateFiles(layout.spec, [layout.archive], options);
  const archiveLocation = folder === null ? layout.spec.files[0].urls[0] : joinLocation(folder, layout.archive);
  const tarBytes = maybeGunzip(await readBytes(archiveLocation), archiveLocation);
  const entries = readTar(tarBytes, { name: archiveLocation });
  if (isNode && folder !== null && options.download) {
    const { extractTar } = await import('./tar.js');
    await extractTar(tarBytes, folder, { name: archiveLocation });
  }
  return names.map((n) => {
    const entry = entries.find(
      (e) => e.type === 'file' && (e.path === `${layout.folder}/${n}` || e.path.endsWith(`/${n}`) || e.path === n),
    );
    if (!entry)
      throw new DatasetFormatError(
        archiveLocation,
        0,
        `a member ${layout.folder}/${n}`,
        `members ${entries.map((e) => e.path).join(', ')}`,
      );
    return { name: `${archiveLocation}:${entry.path}`, bytes: entry.bytes };
  });
}

function finish<E extends LabelEncoding>(
  fn: string,
  rec: CifarRecords,
  labels: Uint8Array,
  classNames: string[],
  options: CifarOptions<E>,
): LabeledImages<LabelTensor<E>> {
  const limit = options.limit ?? rec.count;
  if (!Number.isInteger(limit) || limit < 0)
    throw new InputError(`${fn}: limit`, 'a non-negative integer', String(limit));
  const m = Math.min(limit, rec.count);
  return {
    images: pixelsToTensor<tf.Rank.R4>(rec.pixels.subarray(0, m * PIXELS), [m, SIDE, SIDE, 3], options.scale),
    labels: labelsToTensor(labels.subarray(0, m), options.labels ?? 'int', classNames.length) as LabelTensor<E>,
    classNames: [...classNames],
  };
}

function checkSplit(fn: string, split: unknown): 'train' | 'test' {
  const s = split ?? 'train';
  if (s !== 'train' && s !== 'test') throw new InputError(`${fn}: split`, "'train' or 'test'", String(s));
  return s;
}

/**
 * Loads CIFAR-10 (binary version): images float32 [n, 32, 32, 3] (NHWC), labels float32 class ids [n] or one-hot.
 * `dir` may hold the extracted `cifar-10-batches-bin/` folder, its files, or `cifar-10-binary.tar.gz`.
 */
export async function loadCifar10<E extends LabelEncoding = 'int'>(
  options: CifarOptions<E> = {},
): Promise<LabeledImages<LabelTensor<E>>> {
  const split = checkSplit('loadCifar10', options.split);
  const rec = parseCifar(await readCifarFiles(LAYOUT10, split, options), 10);
  return finish('loadCifar10', rec, rec.labels, CIFAR10_CLASSES, options);
}

/**
 * Loads CIFAR-100 (binary version) with fine (100) or coarse (20) labels; layout as {@link loadCifar10}
 * (`cifar-100-binary/train.bin`, `test.bin`, or `cifar-100-binary.tar.gz`).
 */
export async function loadCifar100<E extends LabelEncoding = 'int'>(
  options: Cifar100Options<E> = {},
): Promise<LabeledImages<LabelTensor<E>>> {
  const split = checkSplit('loadCifar100', options.split);
  const mode = options.labelMode ?? 'fine';
  if (mode !== 'fine' && mode !== 'coarse')
    throw new InputError('loadCifar100: labelMode', "'fine' or 'coarse'", String(mode));
  const rec = parseCifar(await readCifarFiles(LAYOUT100, split, options), 100);
  return mode === 'fine'
    ? finish('loadCifar100', rec, rec.labels, CIFAR100_FINE_CLASSES, options)
    : finish('loadCifar100', rec, rec.coarseLabels!, CIFAR100_COARSE_CLASSES, options);
}
