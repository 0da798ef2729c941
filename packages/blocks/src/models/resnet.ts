import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, checkShape } from '@tiefe/core';
import { convUnit } from '../blocks/convUnit.js';
import { batchNorm, on } from '../blocks/layersUtil.js';
import { bottleneckBlock, residualBlock } from '../blocks/residual.js';
import type { Sym } from '../options.js';
import { classifierHead } from './classifiers.js';

/** Options of {@link resnet}. */
export interface ResnetOptions {
  /** 18 and 34: basic blocks [2,2,2,2] / [3,4,6,3]; 50: bottleneck blocks [3,4,6,3]. */
  depth: 18 | 34 | 50;
  /** Input shape (default `[224, 224, 3]` for the ImageNet stem, `[32, 32, 3]` for the CIFAR stem). */
  inputShape?: [number, number, number];
  /** Classes (default 1000 for the ImageNet stem, 10 for the CIFAR stem). */
  classes?: number;
  /**
   * `'imagenet'` (default): 7x7/2 conv (64), BN, ReLU, 3x3/2 max pool (zero padding 3 and 1, as Keras).
   * `'cifar'`: 3x3/1 conv, BN, ReLU, no pooling (for 32x32 inputs).
   */
  stem?: 'imagenet' | 'cifar';
  /** Width of the first stage (default 64; stages double it: 64, 128, 256, 512). */
  width?: number;
  /**
   * Biases in the convolutions (default true, as Keras' `ResNet50`, so the parameter count is Keras'); false
   * gives torchvision's layout (bias-free convs before batch norm).
   */
  convBias?: boolean;
  /** Pre-activation blocks (ResNet v2, default false); adds a final BN + ReLU before pooling. */
  preActivation?: boolean;
  /** L2 weight decay on every kernel (default 0). */
  l2?: number;
  /** Global-average-pooling + dense softmax head (default true); false returns the feature map. */
  includeTop?: boolean;
}

const BLOCKS: Record<18 | 34 | 50, number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3] };

/**
 * ResNet-18/34/50 (He et al. 2016) from {@link residualBlock} / {@link bottleneckBlock}; the first block of
 * stages 2-4 has stride 2 and a projection shortcut. Parameter counts at 224x224x3, 1000 classes (tested):
 * ResNet-50 25,636,712 (= Keras `ResNet50`, all weights incl. BN statistics); with `convBias: false` the
 * trainable counts are torchvision's 11,689,512 (18), 21,797,672 (34) and 25,557,032 (50).
 */
export function resnet(options: ResnetOptions): tfl.LayersModel {
  const depth = checkOneOf('resnet: depth', options.depth, [18, 34, 50] as const);
  const stem = checkOneOf('resnet: stem', options.stem ?? 'imagenet', ['imagenet', 'cifar'] as const);
  const inputShape = checkShape(
    'resnet: inputShape',
    options.inputShape ?? (stem === 'imagenet' ? [224, 224, 3] : [32, 32, 3]),
    3,
  );
  const classes = checkInt('resnet: classes', options.classes ?? (stem === 'imagenet' ? 1000 : 10));
  const width = checkInt('resnet: width', options.width ?? 64);
  const bias = options.convBias ?? true;
  const pre = options.preActivation ?? false;
  const input = tfl.input({ shape: inputShape });
  let x: Sym;
  if (stem === 'imagenet') {
    x = on(tfl.layers.zeroPadding2d({ padding: 3 }), input);
    x = convUnit(x, {
      filters: width,
      kernelSize: 7,
      strides: 2,
      padding: 'valid',
      useBias: bias,
      batchNorm: !pre,
      activation: pre ? null : 'relu',
      l2: options.l2,
      kernelInitializer: 'heNormal',
    });
    x = on(tfl.layers.zeroPadding2d({ padding: 1 }), x);
    x = on(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2 }), x);
  } else {
    x = convUnit(input, {
      filters: width,
      kernelSize: 3,
      useBias: bias,
      batchNorm: !pre,
      activation: pre ? null : 'relu',
      l2: options.l2,
      kernelInitializer: 'heNormal',
    });
  }
  const block = depth === 50 ? bottleneckBlock : residualBlock;
  BLOCKS[depth].forEach((n, stage) => {
    for (let i = 0; i < n; i++) {
      x = block(x, {
        filters: width * 2 ** stage,
        strides: i === 0 && stage > 0 ? 2 : 1,
        useBias: bias,
        preActivation: pre,
        l2: options.l2,
      });
    }
  });
  if (pre) x = on(tfl.layers.activation({ activation: 'relu' }), batchNorm(x));
  if (options.includeTop === false) return tfl.model({ inputs: input, outputs: x, name: `resnet${depth}` });
  x = on(tfl.layers.globalAveragePooling2d({}), x);
  return tfl.model({ inputs: input, outputs: classifierHead(x, classes, options.l2), name: `resnet${depth}` });
}
