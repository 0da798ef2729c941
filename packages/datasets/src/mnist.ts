import type * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';
import { DatasetFormatError } from './errors.js';
import { readIdx } from './idx.js';
import { type LabelEncoding, labelsToTensor, type PixelScale, pixelsToTensor } from './pixels.js';
import { type DatasetSpec, FASHION_MNIST, MNIST } from './registry.js';
import { readDatasetFiles, type SourceOptions } from './source.js';

/** Options of {@link loadMnist} and {@link loadFashionMnist}. */
export interface MnistOptions<E extends LabelEncoding = 'int'> extends SourceOptions {
  /** Which official split (default 'train'): 'train' reads `train-*`, 'test' reads `t10k-*`. */
  split?: 'train' | 'test';
  /** Pixel scaling (default 'unit', [0, 1]); see {@link PixelScale}. */
  scale?: PixelScale;
  /** Label encoding (default 'int'). */
  labels?: E;
  /** Keep only the first `limit` examples (default all). */
  limit?: number;
}

/** Images with labels: the result of every classification loader. */
export interface LabeledImages<L extends tf.Tensor = tf.Tensor1D> {
  /** float32 [n, height, width, channels] (NHWC). */
  images: tf.Tensor4D;
  /** float32 [n] class ids (whole numbers, what tfjs's sparse losses expect), or float32 [n, classes] one-hot. */
  labels: L;
  /** Name of each class index. */
  classNames: string[];
}

/** Label tensor type for an encoding. */
export type LabelTensor<E extends LabelEncoding> = E extends 'onehot' ? tf.Tensor2D : tf.Tensor1D;

/** MNIST class names: the digits '0'..'9'. */
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Fashion-MNIST class names, in label order. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/**
 * Loads MNIST as tensors: images float32 [n, 28, 28, 1], labels float32 class ids [n] (or one-hot [n, 10]).
 * `dir` holds the official files (`t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`, `train-...`),
 * gzipped or not; without `dir` the cache is used, and `download: true` fills it.
 *
 * @example
 * const { images, labels } = await loadMnist({ dir: '../shared/data/mnist', split: 'test' });
 * // images [10000, 28, 28, 1] in [0, 1], labels [10000] float32 class ids 0..9
 */
export function loadMnist<E extends LabelEncoding = 'int'>(
  options: MnistOptions<E> = {},
): Promise<LabeledImages<LabelTensor<E>>> {
  return loadIdxPair('loadMnist', MNIST, MNIST_CLASSES, options);
}

/** Loads Fashion-MNIST; same files, layout and options as {@link loadMnist}. */
export function loadFashionMnist<E extends LabelEncoding = 'int'>(
  options: MnistOptions<E> = {},
): Promise<LabeledImages<LabelTensor<E>>> {
  return loadIdxPair('loadFashionMnist', FASHION_MNIST, FASHION_MNIST_CLASSES, options);
}

async function loadIdxPair<E extends LabelEncoding>(
  fn: string,
  spec: DatasetSpec,
  classNames: string[],
  options: MnistOptions<E>,
): Promise<LabeledImages<LabelTensor<E>>> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new InputError(`${fn}: split`, "'train' or 'test'", String(split));
  const prefix = split === 'train' ? 'train' : 't10k';
  const names = [`${prefix}-images-idx3-ubyte.gz`, `${prefix}-labels-idx1-ubyte.gz`];
  const [imageFile, labelFile] = await readDatasetFiles(spec, names, options);
  const images = readIdx(imageFile.bytes, { name: imageFile.location });
  const labels = readIdx(labelFile.bytes, { name: labelFile.location });
  if (images.dtype !== 'uint8' || images.shape.length !== 3) {
    throw new DatasetFormatError(
      imageFile.location,
      2,
      'ubyte images of rank 3 [n, rows, cols]',
      `${images.dtype} rank ${images.shape.length}`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new DatasetFormatError(
      labelFile.location,
      2,
      'ubyte labels of rank 1 [n]',
      `${labels.dtype} rank ${labels.shape.length}`,
    );
  }
  const [n, rows, cols] = images.shape;
  if (labels.shape[0] !== n) {
    throw new DatasetFormatError(
      labelFile.location,
      4,
      `${n} labels (as many as images in ${imageFile.name})`,
      `${labels.shape[0]}`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (labels.data[i] >= classNames.length) {
      throw new DatasetFormatError(
        labelFile.location,
        8 + i,
        `a label in 0..${classNames.length - 1}`,
        String(labels.data[i]),
      );
    }
  }
  const limit = options.limit ?? n;
  if (!Number.isInteger(limit) || limit < 0)
    throw new InputError(`${fn}: limit`, 'a non-negative integer', String(limit));
  const m = Math.min(n, limit);
  const pixels = (images.data as Uint8Array).subarray(0, m * rows * cols);
  return {
    images: pixelsToTensor<tf.Rank.R4>(pixels, [m, rows, cols, 1], options.scale),
    labels: labelsToTensor(labels.data.subarray(0, m), options.labels ?? 'int', classNames.length) as LabelTensor<E>,
    classNames: [...classNames],
  };
}
