import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '@tiefe/core';
import { fcn, inceptionNet, lenet5, mlp, resnet, smallCnn, unet, unet3d, vnet } from '../src/index.js';

/** Every model builder of @tiefe/blocks at a tiny size (batch norm on where the builder has it). */
export const BUILDERS: Array<{ name: string; build: () => tfl.LayersModel; input: number[] }> = [
  {
    name: 'mlp',
    build: () => mlp({ inputShape: [4, 4, 1], hidden: [8], batchNorm: true, classes: 3 }),
    input: [4, 4, 1],
  },
  { name: 'lenet5', build: () => lenet5({ inputShape: [28, 28, 1] }), input: [28, 28, 1] },
  {
    name: 'smallCnn',
    build: () => smallCnn({ inputShape: [12, 12, 1], filters: [4, 8], dense: 8 }),
    input: [12, 12, 1],
  },
  {
    name: 'resnet',
    build: () => resnet({ depth: 18, stem: 'cifar', width: 2, inputShape: [8, 8, 3], classes: 3 }),
    input: [8, 8, 3],
  },
  {
    name: 'inceptionNet',
    build: () => inceptionNet({ inputShape: [16, 16, 3], widthScale: 0.125, classes: 4 }),
    input: [16, 16, 3],
  },
  {
    name: 'fcn',
    build: () =>
      fcn({
        variant: '8s',
        inputShape: [32, 32, 3],
        classes: 3,
        filters: [4, 4, 8, 8, 8],
        headFilters: 8,
        headKernel: 1,
      }),
    input: [32, 32, 3],
  },
  {
    name: 'unet',
    build: () => unet({ inputShape: [16, 16, 1], depth: 2, baseFilters: 4, batchNorm: true }),
    input: [16, 16, 1],
  },
  { name: 'unet3d', build: () => unet3d({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 2 }), input: [8, 8, 8, 1] },
  {
    name: 'vnet',
    build: () => vnet({ inputShape: [4, 4, 4, 3], depth: 1, baseFilters: 4, batchNorm: true, classes: 1 }),
    input: [4, 4, 4, 3],
  },
];

/** A fixed batch of 2 inputs and targets of the model's output shape (values in [0, 1]). */
export function batchFor(model: tfl.LayersModel, input: number[], seed = 3): { x: tf.Tensor; y: tf.Tensor } {
  const rng = createRng(seed);
  const outShape = [2, ...(model.outputs[0].shape.slice(1) as number[])];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = tf.tensor(
    Float32Array.from({ length: size([2, ...input]) }, () => rng.normal()),
    [2, ...input],
  );
  const y = tf.tensor(
    Float32Array.from({ length: size(outShape) }, () => rng.next()),
    outShape,
  );
  return { x, y };
}

/** Mean squared error fits every output (probabilities per class or per voxel): a shape-agnostic training loss. */
export function compileForTest(model: tfl.LayersModel): void {
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
}

/** Trains `epochs` full-batch steps on (x, y); returns the loss of each. */
export async function train(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: number): Promise<number[]> {
  const history = await model.fit(x, y, { epochs, batchSize: 2, shuffle: false, verbose: 0 });
  return history.history.loss as number[];
}
