import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, checkOptions, describeValue, InputError } from '@tiefe/core';
import { type ModelSource, readArtifacts, weightBytes } from './artifacts.js';

/**
 * Storage of quantised weights, the three that tfjs weight manifests describe and the tfjs converter writes
 * (`--quantize_float16`, `--quantize_uint8`, `--quantize_uint16`): IEEE half floats (2 bytes), or affine
 * integer codes `q` (1 or 2 bytes) read back as `q * scale + min`.
 */
export type QuantizationDtype = 'float16' | 'uint8' | 'uint16';

/** Options of {@link quantizeModel}. */
export interface QuantizeOptions {
  /** How the float32 weights are stored (see {@link QuantizationDtype}). */
  dtype: QuantizationDtype;
  /**
   * One `scale` and `min` per weight tensor, the only granularity a tfjs weights manifest can express: its
   * `quantization` entry holds one `{ dtype, scale, min }` per weight and `tf.io.decodeWeights` applies it to
   * every value. Per-channel codes would need a loader `tf.loadLayersModel` does not have, so `'channel'` is
   * refused (see the README).
   */
  granularity?: 'tensor';
  /**
   * Where to save the quantised model, as `model.save` would (`'file:///dir'` after importing `@tiefe/core`,
   * `'indexeddb://name'`, or a `tf.io.IOHandler`). Default: not saved, only returned.
   */
  save?: string | tf.io.IOHandler;
}

/** What happened to one weight in {@link quantizeModel}. */
export interface WeightQuantization {
  /** Weight name, as in the manifest (e.g. `conv2d_1/kernel`). */
  name: string;
  /** Its shape. */
  shape: number[];
  /** How it is stored now: a {@link QuantizationDtype}, or its own dtype when left as it was. */
  storedAs: QuantizationDtype | 'float32' | 'int32' | 'bool';
  /** Affine scale and minimum written to the manifest (uint8 / uint16 only). */
  scale?: number;
  min?: number;
  /** Largest |dequantised - original| over its values (0 for weights left as they were). */
  maxAbsError: number;
}

/** Size and error figures of {@link quantizeModel}. */
export interface QuantizationReport {
  /** The storage chosen. */
  dtype: QuantizationDtype;
  /** Always `'tensor'`: one scale and min per weight (see {@link QuantizeOptions.granularity}). */
  granularity: 'tensor';
  /** Weight bytes (`weights.bin`) before and after; the JSON topology is not counted. */
  bytesBefore: number;
  bytesAfter: number;
  /** `bytesAfter / bytesBefore`. */
  ratio: number;
  /** Largest |dequantised - original| over all weights. */
  maxAbsError: number;
  /** Per weight, in manifest order. */
  weights: WeightQuantization[];
}

/** Result of {@link quantizeModel}. */
export interface QuantizedModel {
  /** Model artifacts with quantised weights: `tf.loadLayersModel(tf.io.fromMemory(artifacts))` loads them. */
  artifacts: tf.io.ModelArtifacts;
  /** Sizes and errors. */
  report: QuantizationReport;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Rounds a non-negative integer quotient `m / 2^shift` to nearest, ties to even. */
function shiftRoundEven(m: number, shift: number): number {
  const q = Math.floor(m / 2 ** shift);
  const rem = m - q * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rem > half || (rem === half && q % 2 === 1) ? q + 1 : q;
}

/**
 * IEEE 754 half-precision bits of `value` rounded to nearest, ties to even (what numpy's `astype(np.float16)`,
 * and so the tfjs converter, writes); beyond the half range it gives +-infinity, below half the smallest
 * subnormal +-0.
 */
function float16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // half exponent field (float32 bias 127, half bias 15)
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Half subnormal: value = m * 2^-24 with the implicit bit made explicit; m = 1024 carries into the normals.
    if (e < -10) return sign;
    return sign | shiftRoundEven(mant | 0x800000, 14 - e);
  }
  // A carry out of the mantissa raises the exponent, up to 0x7c00 (infinity), which is the right rounding.
  return sign | ((e << 10) + shiftRoundEven(mant, 13));
}

/** The number that half-precision `bits` encode (finite patterns; what tfjs's float16 decoder returns). */
function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  return sign * (e === 0 ? m * 2 ** -24 : 2 ** (e - 15) * (1 + m / 1024));
}

/** numpy's `np.round`: to nearest, ties to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The tfjs converter's affine range (`_get_affine_quantization_range` in `tensorflowjs/quantization.py`):
 * `scale = (max - min) / qmax`; when the range covers 0 it is nudged so that 0 is exactly a code (zero
 * padding stays zero). A constant tensor gets codes 0, `scale = 1`, `min` = the value.
 */
function affineQuantization(
  values: ArrayLike<number>,
  qmax: number,
): { scale: number; min: number; codes: Uint16Array } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  const codes = new Uint16Array(values.length);
  if (lo === hi) return { scale: 1, min: lo, codes };
  const scale = (hi - lo) / qmax;
  let min = lo;
  let max = hi;
  if (lo <= 0 && 0 <= hi) {
    min = -roundHalfEven(-lo / scale) * scale;
    max = qmax * scale + min;
  }
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(max, Math.max(min, values[i]));
    codes[i] = roundHalfEven((v - min) / scale);
  }
  return { scale, min, codes };
}

function rawBytes(name: string, dtype: string, values: tf.TypedArray | string[]): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(Float32Array.from(values as Float32Array).buffer);
  if (dtype === 'int32') return new Uint8Array(Int32Array.from(values as Int32Array).buffer);
  if (dtype === 'bool') return Uint8Array.from(values as Uint8Array);
  throw new InputError('quantizeModel: source', `weights of dtype float32, int32 or bool`, `${name}: ${dtype}`);
}

/**
 * Weight quantisation of a saved model, as the tfjs converter does it: every float32 model weight is stored
 * as float16, or as uint8 / uint16 affine codes with one `scale` and `min` per tensor (the converter's nudged
 * range), in a weights manifest that `tf.loadLayersModel` decodes unchanged (tfjs-core's
 * `io.decodeWeights`). Weights of other dtypes and optimizer weights are copied as they are. The topology
 * is untouched, so the loaded model has the same layers, names and shapes, with dequantised float32 values.
 *
 * Nothing non-finite is quantised: a NaN or infinite weight is refused (it would silently spoil the range).
 *
 * @example
 * const { report } = await quantizeModel('file:///models/cnn/model.json', { dtype: 'uint8', save: 'file:///models/cnn-uint8' });
 * console.log(`${report.bytesBefore} -> ${report.bytesAfter} bytes, max weight error ${report.maxAbsError}`);
 */
export async function quantizeModel(source: ModelSource, options: QuantizeOptions): Promise<QuantizedModel> {
  const fn = 'quantizeModel';
  const o = checkOptions(`${fn}: options`, options);
  const dtype = checkOneOf(`${fn}: dtype`, o.dtype, ['float16', 'uint8', 'uint16'] as const);
  const granularity = o.granularity ?? 'tensor';
  if (granularity !== 'tensor') {
    throw new InputError(
      `${fn}: granularity`,
      "'tensor' (a tfjs weights manifest holds one scale and min per weight tensor, so per-channel codes would not load with tf.loadLayersModel)",
      describeValue(granularity),
    );
  }
  if (o.save !== undefined && typeof o.save !== 'string' && typeof (o.save as tf.io.IOHandler)?.save !== 'function') {
    throw new InputError(`${fn}: save`, 'a model URL or a tf.io.IOHandler with save()', describeValue(o.save));
  }
  const artifacts = await readArtifacts(fn, source);
  const specs = artifacts.weightSpecs as tf.io.WeightsManifestEntry[];
  const decoded = tf.io.decodeWeights(artifacts.weightData as tf.io.WeightData, specs);
  const parts: Uint8Array[] = [];
  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  const weights: WeightQuantization[] = [];
  try {
    for (const spec of specs) {
      const t = decoded[spec.name];
      const values = t.dataSync();
      const entry: tf.io.WeightsManifestEntry = { name: spec.name, shape: spec.shape, dtype: spec.dtype };
      if (spec.group) entry.group = spec.group;
      const quantise = spec.dtype === 'float32' && (spec.group === undefined || spec.group === 'model');
      if (!quantise) {
        parts.push(rawBytes(spec.name, spec.dtype, values));
        outSpecs.push(entry);
        weights.push({ name: spec.name, shape: spec.shape, storedAs: spec.dtype as 'float32', maxAbsError: 0 });
        continue;
      }
      const v = values as Float32Array;
      for (let i = 0; i < v.length; i++) {
        if (!Number.isFinite(v[i])) {
          throw new InputError(`${fn}: source`, 'finite weights', `${spec.name}[${i}] = ${v[i]}`);
        }
      }
      let maxAbsError = 0;
      const record: WeightQuantization = { name: spec.name, shape: spec.shape, storedAs: dtype, maxAbsError };
      if (dtype === 'float16') {
        for (let i = 0; i < v.length; i++) {
          // 65520 and beyond round to infinity in half precision: refuse rather than store an infinite weight.
          if (Math.abs(v[i]) >= 65520) {
            throw new InputError(
              `${fn}: source`,
              "weights below 65520 in magnitude for dtype 'float16'",
              `${spec.name}[${i}] = ${v[i]}`,
            );
          }
        }
        const bits = new Uint16Array(v.length);
        for (let i = 0; i < v.length; i++) bits[i] = float16Bits(v[i]);
        for (let i = 0; i < v.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(float16Value(bits[i]) - v[i]));
        parts.push(new Uint8Array(bits.buffer));
        entry.quantization = { dtype: 'float16' };
      } else {
        const { scale, min, codes } = affineQuantization(v, dtype === 'uint8' ? 255 : 65535);
        for (let i = 0; i < v.length; i++) {
          // Float32 rounding of the dequantised value, as decodeWeights stores it in a Float32Array.
          maxAbsError = Math.max(maxAbsError, Math.abs(Math.fround(codes[i] * scale + min) - v[i]));
        }
        parts.push(dtype === 'uint8' ? Uint8Array.from(codes) : new Uint8Array(codes.buffer));
        entry.quantization = { dtype, scale, min };
        record.scale = scale;
        record.min = min;
      }
      record.maxAbsError = maxAbsError;
      outSpecs.push(entry);
      weights.push(record);
    }
  } finally {
    tf.dispose(Object.values(decoded));
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    data.set(p, offset);
    offset += p.byteLength;
  }
  const quantized: tf.io.ModelArtifacts = { ...artifacts, weightSpecs: outSpecs, weightData: data.buffer };
  const bytesBefore = weightBytes(artifacts.weightData as tf.io.WeightData);
  const report: QuantizationReport = {
    dtype,
    granularity,
    bytesBefore,
    bytesAfter: total,
    ratio: total / bytesBefore,
    maxAbsError: weights.reduce((m, w) => Math.max(m, w.maxAbsError), 0),
    weights,
  };
  if (o.save !== undefined) {
    const handler = typeof o.save === 'string' ? tf.io.getSaveHandlers(o.save)[0] : o.save;
    if (!handler?.save) {
      throw new InputError(
        `${fn}: save`,
        'a URL tf.io can save to (file:// after importing @tiefe/core)',
        JSON.stringify(o.save),
      );
    }
    await handler.save(quantized);
  }
  return { artifacts: quantized, report };
}
