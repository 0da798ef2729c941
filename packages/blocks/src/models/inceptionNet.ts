import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkRate, checkShape } from '@tiefe/core';
import { convUnit } from '../blocks/convUnit.js';
import { type InceptionOptions, inceptionModule } from '../blocks/inception.js';
import { dropout, on } from '../blocks/layersUtil.js';
import type { Sym } from '../options.js';
import { classifierHead } from './classifiers.js';

/** One stage of {@link inceptionNet}: an inception module's branch widths, or `'pool'` (3x3/2 max pool). */
export type InceptionStage = Omit<InceptionOptions, 'batchNorm' | 'activation' | 'l2'> | 'pool';

/** Options of {@link inceptionNet}. */
export interface InceptionNetOptions {
  /** Input shape (default `[32, 32, 3]`). */
  inputShape?: [number, number, number];
  /** Classes (default 10). */
  classes?: number;
  /** Width of the 3x3 stem convolution (default 64). */
  stemFilters?: number;
  /**
   * The stages after the stem (default: GoogLeNet's 3a, 3b, pool, 4a:
   * `{64, 96/128, 16/32, 32}`, `{128, 128/192, 32/96, 64}`, `'pool'`, `{192, 96/208, 16/48, 64}`).
   */
  stages?: InceptionStage[];
  /** Multiplies every branch width (default 1; e.g. 0.25 for a tiny net), rounded, at least 1. */
  widthScale?: number;
  /** Batch norm in every convolution (default true: trains quickly from scratch). */
  batchNorm?: boolean;
  /** Dropout before the classifier (default 0.4, as GoogLeNet). */
  dropout?: number;
  /** L2 weight decay (default 0). */
  l2?: number;
}

const GOOGLENET_3A_3B_4A: InceptionStage[] = [
  { f1x1: 64, f3x3Reduce: 96, f3x3: 128, f5x5Reduce: 16, f5x5: 32, poolProj: 32 },
  { f1x1: 128, f3x3Reduce: 128, f3x3: 192, f5x5Reduce: 32, f5x5: 96, poolProj: 64 },
  'pool',
  { f1x1: 192, f3x3Reduce: 96, f3x3: 208, f5x5Reduce: 16, f5x5: 48, poolProj: 64 },
];

/**
 * A small GoogLeNet-style net for small images: `conv3x3(stem) -> maxpool 3x3/2 -> inception stages ->
 * global average pool -> dropout -> dense softmax`. Stages default to GoogLeNet's modules 3a, 3b, a pool and
 * 4a (Szegedy et al. 2015, table 1), so on 32x32 inputs the modules see 16x16 and 8x8 maps.
 */
export function inceptionNet(options: InceptionNetOptions = {}): tfl.LayersModel {
  const inputShape = checkShape('inceptionNet: inputShape', options.inputShape ?? [32, 32, 3], 3);
  const classes = checkInt('inceptionNet: classes', options.classes ?? 10);
  const scale = checkNumber('inceptionNet: widthScale', options.widthScale ?? 1, 1e-6, 16);
  const w = (n: number) => Math.max(1, Math.round(n * scale));
  const unit = { batchNorm: options.batchNorm ?? true, l2: options.l2 };
  const input = tfl.input({ shape: inputShape });
  let x: Sym = convUnit(input, {
    ...unit,
    filters: w(checkInt('inceptionNet: stemFilters', options.stemFilters ?? 64)),
  });
  x = on(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
  for (const stage of options.stages ?? GOOGLENET_3A_3B_4A) {
    if (stage === 'pool') {
      x = on(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
      continue;
    }
    x = inceptionModule(x, {
      ...unit,
      f1x1: w(stage.f1x1),
      f3x3Reduce: w(stage.f3x3Reduce),
      f3x3: w(stage.f3x3),
      f5x5Reduce: w(stage.f5x5Reduce),
      f5x5: w(stage.f5x5),
      poolProj: w(stage.poolProj),
    });
  }
  x = dropout(on(tfl.layers.globalAveragePooling2d({}), x), checkRate('inceptionNet: dropout', options.dropout ?? 0.4));
  return tfl.model({ inputs: input, outputs: classifierHead(x, classes, options.l2), name: 'inception_net' });
}
