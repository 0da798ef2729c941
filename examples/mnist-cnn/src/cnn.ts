/** The reference CNN of the benchmarks, built from standard tfjs-layers layers (functional API). */
import * as tfl from '@tensorflow/tfjs-layers';

/** conv 32 3x3 relu, maxpool, conv 64 3x3 relu, maxpool, dense `classes` softmax. */
export function buildCnn(inputShape: number[], classes: number): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x = tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: classes, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'mnist_cnn' });
}
