import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  colormap,
  deepLift,
  gradientShap,
  gradientTimesInput,
  guidedBackprop,
  integratedGradients,
  lime,
  lrp,
  occlusion,
  pixelFlipping,
  predictionDifference,
  renderHeatmap,
  saliency,
  smoothGrad,
  UnsupportedLayerError,
} from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** The `'function: argument'` style every InputError.input follows. */
const NAME_STYLE = /^[A-Za-z0-9_.]+: \S/;

/** The InputError a call throws (synchronously or as a rejection); fails the test if it throws anything else. */
async function inputErrorOf(call: () => unknown): Promise<InputError> {
  try {
    await call();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, the call succeeded');
}

type Method = (model: tfl.LayersModel, x: tf.Tensor, options?: { target?: number }) => Promise<unknown>;

describe('explain: every bad input names the public function and the argument', () => {
  const model = () => tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3 })] });
  const methods: [string, (data: tf.Tensor) => Method][] = [
    ['saliency', () => saliency],
    ['gradientTimesInput', () => gradientTimesInput],
    ['integratedGradients', () => integratedGradients],
    ['smoothGrad', () => smoothGrad],
    ['occlusion', () => occlusion],
    ['lrp', () => lrp],
    ['predictionDifference', (data) => (m, x, o) => predictionDifference(m, x, { ...o, data })],
    ['pixelFlipping', () => (m, x, o) => pixelFlipping(m, x, 'random', o)],
    ['deepLift', () => deepLift],
    ['guidedBackprop', () => guidedBackprop],
    ['lime', () => lime],
    ['gradientShap', (data) => (m, x, o) => gradientShap(m, x, { ...o, baselines: data })],
  ];

  test.each(methods)('%s: x, target and model', async (fn, make) => {
    const m = model();
    const data = tf.zeros([3, 4]);
    const method = make(data);
    const before = tf.memory().numTensors;
    const wrongShape = tf.zeros([2, 5]);
    const ok = tf.zeros([2, 4]);
    const e1 = await inputErrorOf(() => method(m, wrongShape));
    expect(e1.input).toBe(`${fn}: x`);
    expect(e1.message).toBe(`${fn}: x: expected shape [N,4], got [2,5]`);
    const e2 = await inputErrorOf(() => method(m, ok, { target: 7 }));
    expect(e2.input).toBe(`${fn}: target`);
    expect(e2.expected).toBe('class indices in [0, 3)');
    // A model whose output is not [N, classes] logits (nor per-step, per-pixel or per-voxel ones).
    const inp = tfl.input({ shape: [4] });
    const flat = tfl.model({
      inputs: inp,
      outputs: tfl.layers.reshape({ targetShape: [1, 1, 1, 2, 2] }).apply(inp) as tfl.SymbolicTensor,
    });
    const e3 = await inputErrorOf(() => method(flat, ok));
    expect(e3.input).toBe(`${fn}: model`);
    expect(e3.got).toBe('[,1,1,1,2,2]');
    for (const e of [e1, e2, e3]) expect(e.input).toMatch(NAME_STYLE);
    tf.dispose([wrongShape, ok]);
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  });

  test('colour maps: an unknown name is an InputError, not a plain Error', async () => {
    const e1 = await inputErrorOf(() => colormap('jet' as 'hot', 0.5));
    expect(e1.input).toBe('colormap: name');
    expect(e1.message).toBe(
      'colormap: name: expected one of "bwr", "seismic", "coldnhot", "hot", "gray", "viridis", got "jet"',
    );
    const map = tf.ones([2, 2]);
    const e2 = await inputErrorOf(() => renderHeatmap(map, { colormap: 'jet' as 'hot' }));
    expect(e2.input).toBe('renderHeatmap: colormap');
    map.dispose();
  });

  test('lrp: a channels-first convolution is an UnsupportedLayerError naming the layer', async () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({
          inputShape: [1, 4, 4],
          filters: 2,
          kernelSize: 3,
          dataFormat: 'channelsFirst',
          name: 'cf',
        }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const x = tf.zeros([1, 1, 4, 4]);
    const err = await lrp(m, x).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedLayerError);
    expect((err as Error).message).toBe(
      'lrp: layer "cf" of class Conv2D is not supported (only dataFormat channelsLast is supported)',
    );
    x.dispose();
  });
});
