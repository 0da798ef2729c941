import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';

/** Options of {@link UpSampling3D}. */
export interface UpSampling3DArgs {
  /** Repetitions along depth, height and width (default `[2, 2, 2]`; a number means the same on all three). */
  size?: number | [number, number, number];
  /** Only `'channelsLast'` (NDHWC) is supported, as everywhere in Tiefe. */
  dataFormat?: 'channelsLast';
  /** Layer name (default: generated). */
  name?: string;
  /** Passed on to tfjs-layers (e.g. `inputShape` when this is the first layer). */
  inputShape?: number[];
  trainable?: boolean;
}

/**
 * Repeats each element `size[k]` times along spatial axis k (`depth, height, width`) of an NDHWC tensor:
 * `y[n, d, h, w, c] = x[n, floor(d / sd), floor(h / sh), floor(w / sw), c]`, as Keras' `UpSampling3D`, which
 * tfjs-layers 4.22 lacks. It is written with `reshape` and rank-4 `tile` only, so its gradient (the sum over
 * each block of repeats) exists on every backend (cpu, wasm, webgpu), and it is registered for serialisation
 * under the class name `'UpSampling3D'` so that models using it save and reload.
 */
export class UpSampling3D extends tfl.layers.Layer {
  /** The class name it is registered and saved under (`model.json`'s `class_name`). */
  static className = 'UpSampling3D';
  readonly size: [number, number, number];

  constructor(args: UpSampling3DArgs = {}) {
    super(args);
    const s = args.size ?? 2;
    const size = (typeof s === 'number' ? [s, s, s] : s) as [number, number, number];
    if (!Array.isArray(size) || size.length !== 3 || size.some((v) => !Number.isInteger(v) || v < 1)) {
      throw new InputError('UpSampling3D: size', 'a positive integer or three positive integers', JSON.stringify(s));
    }
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast') {
      throw new InputError('UpSampling3D: dataFormat', "'channelsLast'", JSON.stringify(args.dataFormat));
    }
    this.size = size;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (s.length !== 5) throw new InputError('UpSampling3D: input', 'a rank-5 shape (NDHWC)', JSON.stringify(s));
    return [s[0], ...[1, 2, 3].map((a, i) => (s[a] == null ? null : (s[a] as number) * this.size[i])), s[4]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x.rank !== 5) throw new InputError('UpSampling3D: input', 'a rank-5 tensor (NDHWC)', `shape [${x.shape}]`);
      let y = x;
      for (let i = 0; i < 3; i++) y = repeatAxis(y, i + 1, this.size[i]);
      return y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: [...this.size], dataFormat: 'channelsLast' };
  }
}
tf.serialization.registerClass(UpSampling3D);

/** Repeats every element of `axis` `times` times in place (nearest-neighbour), via a rank-4 tile. */
function repeatAxis(x: tf.Tensor, axis: number, times: number): tf.Tensor {
  if (times === 1) return x;
  const shape = x.shape;
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const tiled = tf.tile(tf.reshape(x, [outer, shape[axis], 1, inner]), [1, 1, times, 1]);
  const out = [...shape];
  out[axis] = shape[axis] * times;
  return tf.reshape(tiled, out);
}

/**
 * Functional-API factory of {@link UpSampling3D}, in the style of `tf.layers.upSampling2d`.
 *
 * @example
 * const up = upSampling3d({ size: 2 }).apply(x) as tfl.SymbolicTensor; // [N, 2D, 2H, 2W, C]
 */
export function upSampling3d(args: UpSampling3DArgs = {}): UpSampling3D {
  return new UpSampling3D(args);
}
