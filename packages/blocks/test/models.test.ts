import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fcn, inceptionNet, lenet5, mlp, resnet, smallCnn, unet, unet3d, vnet } from '../src/index.js';
import { bnParams, convParams, denseParams, roundTripDiff, trainableCount } from './helpers.js';

let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  dir = mkdtempSync(join(tmpdir(), 'tiefe-blocks-models-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds, counts (all weights, incl. BN statistics, as Keras' count_params) and disposes. */
function count(build: () => tfl.LayersModel): { all: number; trainable: number; out: (number | null)[] } {
  const before = tf.memory().numTensors;
  const m = build();
  const r = { all: m.countParams(), trainable: trainableCount(m), out: m.outputs[0].shape };
  m.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return r;
}

describe('parameter counts at canonical settings', () => {
  it("ResNet-50 (224x224x3, 1000 classes) has Keras ResNet50's 25,636,712 parameters", () => {
    const r = count(() => resnet({ depth: 50 }));
    expect(r.all).toBe(25_636_712);
    expect(r.trainable).toBe(25_583_592); // Keras: trainable 25,583,592, non-trainable 53,120
    expect(r.out).toEqual([null, 1000]);
  });

  it("without conv biases the trainable counts are torchvision's ResNet-18/34/50 (11,689,512 / 21,797,672 / 25,557,032)", () => {
    expect(count(() => resnet({ depth: 18, convBias: false })).trainable).toBe(11_689_512);
    expect(count(() => resnet({ depth: 34, convBias: false })).trainable).toBe(21_797_672);
    expect(count(() => resnet({ depth: 50, convBias: false })).trainable).toBe(25_557_032);
  });

  it('Keras-style ResNet-18/34 (conv biases, BN statistics counted): 11,703,912 / 21,827,624', () => {
    // torchvision's counts plus one bias per conv output channel plus 2 BN statistics per BN channel:
    // ResNet-18 convs have 4,800 output channels in all, and 4,800 BN channels: 11,689,512 + 4,800 + 9,600.
    expect(count(() => resnet({ depth: 18 })).all).toBe(11_689_512 + 4_800 + 2 * 4_800);
    // ResNet-34: 8,512 conv output channels = BN channels.
    expect(count(() => resnet({ depth: 34 })).all).toBe(21_797_672 + 8_512 + 2 * 8_512);
  });

  it('LeNet-5 has 61,706 parameters on 32x32 and on (padded) 28x28 inputs', () => {
    const classic = 156 + 2416 + denseParams(400, 120) + denseParams(120, 84) + denseParams(84, 10);
    expect(classic).toBe(61_706);
    expect(count(() => lenet5()).all).toBe(61_706);
    expect(count(() => lenet5({ inputShape: [28, 28, 1] })).all).toBe(61_706);
  });

  it('U-Net (Ronneberger, depth 4, base 64, same padding, 1 channel in, 2 classes) by hand formula', () => {
    let expected = 0;
    let cin = 1;
    for (let l = 0; l <= 4; l++) {
      const f = 64 * 2 ** l;
      expected += convParams(3, cin, f) + convParams(3, f, f);
      cin = f;
    }
    for (let l = 3; l >= 0; l--) {
      const f = 64 * 2 ** l;
      expected += convParams(2, 2 * f, f); // 2x2 up-convolution halving the channels
      expected += convParams(3, 2 * f, f) + convParams(3, f, f); // after concatenating the skip
    }
    expected += convParams(1, 64, 2);
    expect(expected).toBe(31_030_658);
    const r = count(() => unet({ inputShape: [128, 128, 1], classes: 2 }));
    expect(r.all).toBe(expected);
    expect(r.out).toEqual([null, 128, 128, 2]);
    // The paper's unpadded net: 572x572 in, 388x388 out, same parameters.
    const valid = count(() => unet({ inputShape: [572, 572, 1], classes: 2, padding: 'valid' }));
    expect(valid.out).toEqual([null, 388, 388, 2]);
    expect(valid.all).toBe(expected);
  });

  it('small CNN (28x28x1): 468,394 parameters', () => {
    const expected =
      convParams(3, 1, 32, false) +
      convParams(3, 32, 32, false) +
      2 * bnParams(32) +
      convParams(3, 32, 64, false) +
      convParams(3, 64, 64, false) +
      2 * bnParams(64) +
      denseParams(7 * 7 * 64, 128) +
      denseParams(128, 10);
    expect(expected).toBe(468_394);
    expect(count(() => smallCnn()).all).toBe(expected);
  });

  it('MLP 784-128-10 has 101,770 parameters', () => {
    expect(count(() => mlp()).all).toBe(101_770);
    expect(count(() => mlp({ inputShape: [28, 28, 1], hidden: [256, 64], classes: 3 })).all).toBe(
      denseParams(784, 256) + denseParams(256, 64) + denseParams(64, 3),
    );
  });

  it('inception net (GoogLeNet 3a, 3b, 4a with BN) by formula', () => {
    const conv = (k: number, cin: number, f: number) => convParams(k, cin, f, false) + bnParams(f);
    const mod = (c: number, a: number[]) =>
      conv(1, c, a[0]) +
      conv(1, c, a[1]) +
      conv(3, a[1], a[2]) +
      conv(1, c, a[3]) +
      conv(5, a[3], a[4]) +
      conv(1, c, a[5]);
    const expected =
      conv(3, 3, 64) +
      mod(64, [64, 96, 128, 16, 32, 32]) +
      mod(256, [128, 128, 192, 32, 96, 64]) +
      mod(480, [192, 96, 208, 16, 48, 64]) +
      denseParams(512, 10);
    const r = count(() => inceptionNet());
    expect(r.all).toBe(expected);
    expect(r.out).toEqual([null, 10]);
  });

  it('FCN-32s/16s/8s: VGG encoder + fc6/fc7 + 1x1 scores + transposed convs (2f kernels, no bias)', () => {
    const filters: [number, number, number, number, number] = [4, 8, 8, 16, 16];
    const opts = {
      inputShape: [64, 64, 3] as [number, number, number],
      classes: 5,
      filters,
      convsPerStage: [1, 1, 2, 2, 2] as [number, number, number, number, number],
      headFilters: 32,
      headKernel: 3,
    };
    let encoder = 0;
    let cin = 3;
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < opts.convsPerStage[s]; i++) {
        encoder += convParams(3, cin, filters[s]);
        cin = filters[s];
      }
    }
    const head = convParams(3, 16, 32) + convParams(1, 32, 32) + convParams(1, 32, 5);
    const up = (f: number) => convParams(2 * f, 5, 5, false);
    const r32 = count(() => fcn({ ...opts, variant: '32s' }));
    expect(r32.all).toBe(encoder + head + up(32));
    expect(r32.out).toEqual([null, 64, 64, 5]);
    expect(count(() => fcn({ ...opts, variant: '16s' })).all).toBe(
      encoder + head + up(2) + convParams(1, 16, 5) + up(16),
    );
    expect(count(() => fcn({ ...opts, variant: '8s' })).all).toBe(
      encoder + head + 2 * up(2) + convParams(1, 16, 5) + convParams(1, 8, 5) + up(8),
    );
  });

  it('3-D U-Net (depth 2, base 4, BN) by formula', () => {
    const conv = (k: number, cin: number, f: number) => convParams(k, cin, f, false, 3) + bnParams(f);
    const expected =
      conv(3, 1, 4) +
      conv(3, 4, 4) +
      conv(3, 4, 8) +
      conv(3, 8, 8) +
      conv(3, 8, 16) +
      conv(3, 16, 16) +
      convParams(2, 16, 8, true, 3) +
      conv(3, 16, 8) +
      conv(3, 8, 8) +
      convParams(2, 8, 4, true, 3) +
      conv(3, 8, 4) +
      conv(3, 4, 4) +
      convParams(1, 4, 3, true, 3);
    const r = count(() => unet3d({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 4, classes: 3 }));
    expect(r.all).toBe(expected);
    expect(r.out).toEqual([null, 8, 8, 8, 3]);
  });

  it('V-Net (depth 2, base 4, 3x3x3, convs [1, 2, 2], PReLU per channel) by formula', () => {
    const c = (k: number, cin: number, f: number) => convParams(k, cin, f, true, 3);
    const stage = (cin: number, f: number, n: number) => c(3, cin, f) + (n - 1) * c(3, f, f) + n * f; // n PReLUs
    const expected =
      stage(1, 4, 1) +
      (c(2, 4, 8) + 8) +
      stage(8, 8, 2) +
      (c(2, 8, 16) + 16) +
      stage(16, 16, 2) +
      (c(2, 16, 8) + 8) +
      stage(16, 16, 2) +
      (c(2, 16, 4) + 4) +
      stage(8, 8, 1) +
      c(1, 8, 2);
    const r = count(() =>
      vnet({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 4, kernelSize: 3, convsPerStage: [1, 2, 2] }),
    );
    expect(r.all).toBe(expected);
    expect(r.out).toEqual([null, 8, 8, 8, 2]);
    // Canonical V-Net (128x128x64 volumes, 5x5x5 convs, depth 4, base 16) builds with the paper's widths.
    const big = count(() => vnet({ inputShape: [64, 64, 32, 1] }));
    expect(big.out).toEqual([null, 64, 64, 32, 2]);
    expect(big.all).toBeGreaterThan(40e6); // the paper's V-Net has tens of millions of weights (5x5x5 kernels)
  });
});

/** Every model at a small size: output shape, save to a folder, reload, identical predictions, no leak. */
const SMALL: Array<{ name: string; build: () => tfl.LayersModel; input: number[]; out: number[] }> = [
  {
    name: 'mlp',
    build: () => mlp({ inputShape: [6, 6, 1], hidden: [8, 4], batchNorm: true, dropout: 0.2, classes: 3 }),
    input: [6, 6, 1],
    out: [3],
  },
  { name: 'lenet5', build: () => lenet5({ inputShape: [28, 28, 1] }), input: [28, 28, 1], out: [10] },
  {
    name: 'smallCnn',
    build: () => smallCnn({ inputShape: [12, 12, 1], filters: [4, 8], dense: 8 }),
    input: [12, 12, 1],
    out: [10],
  },
  {
    name: 'resnet18 cifar',
    build: () => resnet({ depth: 18, stem: 'cifar', width: 4, inputShape: [16, 16, 3] }),
    input: [16, 16, 3],
    out: [10],
  },
  {
    name: 'resnet34 imagenet',
    build: () => resnet({ depth: 34, width: 2, inputShape: [32, 32, 3], classes: 5 }),
    input: [32, 32, 3],
    out: [5],
  },
  {
    name: 'resnet50 pre-act',
    build: () => resnet({ depth: 50, stem: 'cifar', width: 2, inputShape: [8, 8, 3], preActivation: true, l2: 1e-4 }),
    input: [8, 8, 3],
    out: [10],
  },
  {
    name: 'inceptionNet',
    build: () => inceptionNet({ inputShape: [16, 16, 3], widthScale: 0.125, classes: 4 }),
    input: [16, 16, 3],
    out: [4],
  },
  ...(['32s', '16s', '8s'] as const).map((variant) => ({
    name: `fcn${variant}`,
    build: () =>
      fcn({ variant, inputShape: [32, 32, 3], classes: 3, filters: [4, 4, 8, 8, 8], headFilters: 8, headKernel: 1 }),
    input: [32, 32, 3],
    out: [32, 32, 3],
  })),
  {
    name: 'unet transpose',
    build: () => unet({ inputShape: [16, 16, 1], depth: 2, baseFilters: 4, batchNorm: true, dropout: 0.1 }),
    input: [16, 16, 1],
    out: [16, 16, 2],
  },
  {
    name: 'unet upsample',
    build: () => unet({ inputShape: [16, 16, 3], depth: 3, baseFilters: 2, upsampling: 'upsample', classes: 1 }),
    input: [16, 16, 3],
    out: [16, 16, 1],
  },
  {
    name: 'unet valid',
    build: () => unet({ inputShape: [44, 44, 1], depth: 2, baseFilters: 2, padding: 'valid' }),
    input: [44, 44, 1],
    out: [4, 4, 2],
  },
  {
    name: 'unet3d transpose',
    build: () => unet3d({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 2 }),
    input: [8, 8, 8, 1],
    out: [8, 8, 8, 2],
  },
  {
    name: 'unet3d upsample',
    build: () =>
      unet3d({ inputShape: [4, 8, 8, 2], depth: 2, baseFilters: 2, upsampling: 'upsample', downsampling: 'strided' }),
    input: [4, 8, 8, 2],
    out: [4, 8, 8, 2],
  },
  {
    name: 'vnet',
    build: () => vnet({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 2, kernelSize: 3 }),
    input: [8, 8, 8, 1],
    out: [8, 8, 8, 2],
  },
  {
    name: 'vnet bn 3 channels',
    build: () => vnet({ inputShape: [4, 4, 4, 3], depth: 1, baseFilters: 4, batchNorm: true, classes: 1 }),
    input: [4, 4, 4, 3],
    out: [4, 4, 4, 1],
  },
];

describe('every model: forward shape and save/load round trip', () => {
  for (const c of SMALL) {
    it(`${c.name}: output [N, ${c.out}], reloads from a folder with identical predictions`, async () => {
      const before = tf.memory().numTensors;
      const model = c.build();
      expect(model.outputs[0].shape).toEqual([null, ...c.out]);
      const x = tf.randomNormal([2, ...c.input], 0, 1, 'float32', 7);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, ...c.out]);
      // Softmax / sigmoid outputs: probabilities.
      const sums = tf.sum(y, -1);
      if (c.out[c.out.length - 1] > 1) for (const s of sums.dataSync()) expect(s).toBeCloseTo(1, 5);
      expect(tf.tidy(() => tf.min(y).dataSync()[0])).toBeGreaterThanOrEqual(0);
      const { diff, loaded } = await roundTripDiff(model, join(dir, c.name.replace(/\W/g, '_')), x);
      expect(diff).toBe(0);
      expect(loaded.countParams()).toBe(model.countParams());
      tf.dispose([x, y, sums]);
      model.dispose();
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('bad options throw InputError', () => {
  it('names the option, the expectation and the value', () => {
    expect(() => resnet({ depth: 101 as 50 })).toThrow(/resnet: depth: expected one of 18, 34, 50, got 101/);
    expect(() => unet({ inputShape: [30, 30, 1], depth: 2 })).toThrow(
      /unet: inputShape: expected spatial sizes divisible by 4/,
    );
    expect(() => unet({ inputShape: [64, 64, 1], padding: 'valid' })).toThrow(InputError);
    expect(() => unet3d({ inputShape: [8, 8, 1] })).toThrow(/unet3d: inputShape/);
    expect(() => unet3d({ inputShape: [8, 8, 8, 1], padding: 'valid' })).toThrow(/unet3d: padding/);
    expect(() => vnet({ inputShape: [8, 8, 8, 1], depth: 2, convsPerStage: [1, 2] })).toThrow(/vnet: convsPerStage/);
    expect(() => fcn({ variant: '4s' as '8s' })).toThrow(/fcn: variant/);
    expect(() => fcn({ variant: '8s', inputShape: [100, 100, 3] })).toThrow(/divisible by 32/);
    expect(() => smallCnn({ dropout: 1.5 })).toThrow(/smallCnn: dropout/);
    expect(() => mlp({ hidden: [0] })).toThrow(/mlp: hidden\[0\]/);
    expect(() => lenet5({ inputShape: [28, 28] as unknown as [number, number, number] })).toThrow(/lenet5: inputShape/);
  });
});
