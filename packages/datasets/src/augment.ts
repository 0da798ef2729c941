import * as tf from '@tensorflow/tfjs-core';
import { createRng, InputError, type Rng } from '@tiefe/core';

/**
 * Seeded batch augmentation on the backend. Random parameters (one set per example) are drawn on the CPU
 * from core's `createRng(seed)`; the pixels are moved by backend ops on the whole batch: flips with
 * `reverse` + `where`, every geometric change (small rotation, translation, random crop with padding) as one
 * affine resampling per batch (one `gather` plus a weighted sum), photometric changes as broadcast arithmetic.
 */
export interface AugmentOptions {
  /** Seed; the same seed and input give the same output (default: drawn from Math.random, see core `seed()`). */
  seed?: number;
  /** Mirror left-right with probability 0.5 (default false). */
  flipHorizontal?: boolean;
  /** Mirror top-bottom with probability 0.5 (default false). */
  flipVertical?: boolean;
  /**
   * Random crop with zero padding, as in the CIFAR recipe: pad by `cropPadding` pixels on each side, then crop
   * back to the input size at a uniformly random integer offset (0 = off, the default).
   */
  cropPadding?: number;
  /** Rotation by an angle drawn uniformly from [-r, r] degrees about the centre (default 0). */
  rotationDegrees?: number;
  /** Translation by up to this fraction of height and width, uniformly per axis (default 0). */
  translate?: number;
  /** Add a brightness offset drawn uniformly from [-b, b] per example (default 0). */
  brightness?: number;
  /** Scale contrast around the per-image, per-channel mean by a factor from [1 - c, 1 + c] (default 0). */
  contrast?: number;
  /** Add Gaussian noise with this standard deviation per pixel (default 0). */
  noiseStd?: number;
  /** Interpolation of rotations and translations: 'bilinear' (default) or 'nearest'. */
  interpolation?: 'bilinear' | 'nearest';
  /** Clip the result to [lo, hi] (e.g. [0, 1]); default no clipping. */
  clip?: [number, number];
}

interface Geometry {
  flipH: boolean[];
  flipV: boolean[];
  /** Per example: [a0, a1, a2, b0, b1, b2, 0, 0] mapping output to input pixel coordinates. */
  affine: Float32Array | null;
}

function drawGeometry(n: number, h: number, w: number, o: AugmentOptions, rng: Rng): Geometry {
  const flipH = Array.from({ length: n }, () => (o.flipHorizontal ? rng.next() < 0.5 : false));
  const flipV = Array.from({ length: n }, () => (o.flipVertical ? rng.next() < 0.5 : false));
  const pad = o.cropPadding ?? 0;
  const rot = o.rotationDegrees ?? 0;
  const tr = o.translate ?? 0;
  if (!(pad > 0 || rot > 0 || tr > 0)) return { flipH, flipV, affine: null };
  const affine = new Float32Array(n * 8);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let i = 0; i < n; i++) {
    const theta = rot > 0 ? ((rng.next() * 2 - 1) * rot * Math.PI) / 180 : 0;
    let tx = tr > 0 ? (rng.next() * 2 - 1) * tr * w : 0;
    let ty = tr > 0 ? (rng.next() * 2 - 1) * tr * h : 0;
    // Pad-then-crop at offset (ox, oy) in 0..2p is an integer shift by (p - ox, p - oy) with zero fill.
    if (pad > 0) {
      tx += pad - rng.int(2 * pad + 1);
      ty += pad - rng.int(2 * pad + 1);
    }
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    // input = R(-theta) (out - centre - t) + centre
    affine.set([c, s, cx - c * (cx + tx) - s * (cy + ty), -s, c, cy + s * (cx + tx) - c * (cy + ty), 0, 0], i * 8);
  }
  return { flipH, flipV, affine };
}

function applyGeometry(x: tf.Tensor4D, g: Geometry, interpolation: 'bilinear' | 'nearest', fill: number): tf.Tensor4D {
  return tf.tidy(() => {
    let y = x;
    const n = x.shape[0];
    if (g.flipH.some(Boolean)) {
      const m = tf.tensor4d(g.flipH.map(Number), [n, 1, 1, 1], 'bool');
      y = tf.where(tf.broadcastTo(m, y.shape), tf.reverse(y, 2), y);
    }
    if (g.flipV.some(Boolean)) {
      const m = tf.tensor4d(g.flipV.map(Number), [n, 1, 1, 1], 'bool');
      y = tf.where(tf.broadcastTo(m, y.shape), tf.reverse(y, 1), y);
    }
    if (g.affine) y = warpAffine(y, g.affine, interpolation, fill);
    return y;
  });
}

/**
 * Resamples each example through its own affine map (output pixel -> input point), like
 * `tf.image.transform` with constant fill. The sampling positions and bilinear weights are computed on the
 * CPU (a few numbers per pixel); the pixels move on the backend with one `gather` and a weighted sum.
 * (tfjs-backend-cpu 4.22's Transform kernel returns after the first example of a batch, so it is not used.)
 */
function warpAffine(
  x: tf.Tensor4D,
  affine: Float32Array,
  interpolation: 'bilinear' | 'nearest',
  fill: number,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const taps = interpolation === 'nearest' ? 1 : 4;
  const pixels = n * h * w;
  const index = new Int32Array(pixels * taps);
  const weight = new Float32Array(pixels * taps);
  const fillWeight = new Float32Array(pixels);
  let p = 0;
  for (let b = 0; b < n; b++) {
    const t = affine.subarray(b * 8, b * 8 + 8);
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < w; ox++, p++) {
        const ix = t[0] * ox + t[1] * oy + t[2];
        const iy = t[3] * ox + t[4] * oy + t[5];
        if (taps === 1) {
          const xx = Math.round(ix);
          const yy = Math.round(iy);
          if (xx >= 0 && xx < w && yy >= 0 && yy < h) {
            index[p] = (b * h + yy) * w + xx;
            weight[p] = 1;
          } else fillWeight[p] = 1;
          continue;
        }
        const x0 = Math.floor(ix);
        const y0 = Math.floor(iy);
        const fx = ix - x0;
        const fy = iy - y0;
        const corners = [
          [x0, y0, (1 - fx) * (1 - fy)],
          [x0 + 1, y0, fx * (1 - fy)],
          [x0, y0 + 1, (1 - fx) * fy],
          [x0 + 1, y0 + 1, fx * fy],
        ];
        for (let k = 0; k < 4; k++) {
          const [xx, yy, wk] = corners[k];
          if (xx >= 0 && xx < w && yy >= 0 && yy < h) {
            index[p * 4 + k] = (b * h + yy) * w + xx;
            weight[p * 4 + k] = wk;
          } else fillWeight[p] += wk;
        }
      }
    }
  }
  return tf.tidy(() => {
    const flat = tf.reshape(x, [pixels, c]);
    const picked = tf.reshape(tf.gather(flat, tf.tensor1d(index, 'int32'), 0), [pixels, taps, c]);
    let out = tf.sum(tf.mul(picked, tf.tensor3d(weight, [pixels, taps, 1])), 1);
    if (fill !== 0) out = tf.add(out, tf.mul(tf.tensor2d(fillWeight, [pixels, 1]), fill));
    return tf.reshape(out, [n, h, w, c]) as tf.Tensor4D;
  });
}

function check4d(x: tf.Tensor, name: string): void {
  if (!(x instanceof tf.Tensor) || x.rank !== 4) {
    throw new InputError(name, 'a rank-4 tensor (NHWC)', x instanceof tf.Tensor ? `shape [${x.shape}]` : String(x));
  }
}

function photometric(x: tf.Tensor4D, o: AugmentOptions, rng: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    const n = x.shape[0];
    let y: tf.Tensor4D = tf.cast(x, 'float32');
    if ((o.contrast ?? 0) > 0) {
      const f = Float32Array.from({ length: n }, () => 1 + (rng.next() * 2 - 1) * o.contrast!);
      const mean = tf.mean(y, [1, 2], true);
      y = tf.add(tf.mul(tf.sub(y, mean), tf.tensor4d(f, [n, 1, 1, 1])), mean);
    }
    if ((o.brightness ?? 0) > 0) {
      const d = Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * o.brightness!);
      y = tf.add(y, tf.tensor4d(d, [n, 1, 1, 1]));
    }
    if ((o.noiseStd ?? 0) > 0) y = tf.add(y, tf.randomNormal(y.shape, 0, o.noiseStd!, 'float32', rng.seed()));
    if (o.clip) y = tf.clipByValue(y, o.clip[0], o.clip[1]);
    return y;
  });
}

/**
 * Augments a batch of images [n, h, w, c] (float) with the options' random changes, applied in this order:
 * flips, geometry (rotation, translation, crop with padding, zero fill), contrast, brightness, noise, clip.
 * Returns a new tensor; the input is not disposed.
 *
 * @example
 * const aug = augmentImages(batch, { seed: 1, flipHorizontal: true, cropPadding: 4, clip: [0, 1] });
 */
export function augmentImages(images: tf.Tensor4D, options: AugmentOptions = {}): tf.Tensor4D {
  check4d(images, 'augmentImages: images');
  const rng = createRng(options.seed ?? Math.floor(Math.random() * 4294967296));
  const [n, h, w] = images.shape;
  const g = drawGeometry(n, h, w, options, rng);
  return tf.tidy(() => photometric(applyGeometry(images, g, options.interpolation ?? 'bilinear', 0), options, rng));
}

/** Options of {@link augmentSegmentation}: those of {@link augmentImages} plus the mask fill. */
export interface SegmentationAugmentOptions extends AugmentOptions {
  /** Label given to mask pixels moved in from outside the image (default 255, the Cityscapes ignore label). */
  maskFill?: number;
}

/**
 * Joint augmentation of images [n, h, w, c] and label masks [n, h, w] or [n, h, w, 1]: the same flips and
 * geometry move both (masks with nearest-neighbour sampling so labels stay labels, new area = `maskFill`);
 * contrast, brightness and noise touch only the images. Masks keep their dtype and rank.
 */
export function augmentSegmentation<M extends tf.Tensor3D | tf.Tensor4D>(
  images: tf.Tensor4D,
  masks: M,
  options: SegmentationAugmentOptions = {},
): { images: tf.Tensor4D; masks: M } {
  check4d(images, 'augmentSegmentation: images');
  const [n, h, w] = images.shape;
  if (
    !(masks instanceof tf.Tensor) ||
    (masks.rank !== 3 && masks.rank !== 4) ||
    masks.shape[0] !== n ||
    masks.shape[1] !== h ||
    masks.shape[2] !== w
  ) {
    throw new InputError(
      'augmentSegmentation: masks',
      `a tensor [${n}, ${h}, ${w}] or [${n}, ${h}, ${w}, 1]`,
      masks instanceof tf.Tensor ? `shape [${masks.shape}]` : String(masks),
    );
  }
  const rng = createRng(options.seed ?? Math.floor(Math.random() * 4294967296));
  const g = drawGeometry(n, h, w, options, rng);
  return tf.tidy(() => {
    const outImages = photometric(applyGeometry(images, g, options.interpolation ?? 'bilinear', 0), options, rng);
    const m4 = (masks.rank === 3 ? tf.expandDims(masks, 3) : masks) as tf.Tensor4D;
    const moved = applyGeometry(tf.cast(m4, 'float32'), g, 'nearest', options.maskFill ?? 255);
    const shaped = masks.rank === 3 ? tf.squeeze(moved, [3]) : moved;
    return { images: outImages, masks: (masks.dtype === 'float32' ? shaped : tf.cast(shaped, masks.dtype)) as M };
  });
}
