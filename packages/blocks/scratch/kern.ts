import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/src/index.ts';

const r = await initBackend({ prefer: ['webgpu'] });
console.log(r);
const k = tf
  .getKernelsForBackend('webgpu')
  .map((k) => k.kernelName)
  .sort();
console.log(k.join(' '));
const need = [
  'Conv3D',
  'Conv3DBackpropFilterV2',
  'Conv3DBackpropInputV2',
  'MaxPool3D',
  'MaxPool3DGrad',
  'AvgPool3D',
  'AvgPool3DGrad',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'FusedBatchNorm',
  'Prelu',
  'Elu',
  'EluGrad',
  'ResizeNearestNeighbor',
  'ResizeNearestNeighborGrad',
  'ResizeBilinear',
  'ResizeBilinearGrad',
  'Dilation2D',
  'DepthwiseConv2dNativeBackpropFilter',
  'Relu6',
  'LeakyRelu',
  'Selu',
  'Softplus',
  'Rsqrt',
  'Tile',
  'Pad',
  'MirrorPad',
  'Conv2D',
  'Transpose',
  'Concat',
  'Slice',
  'StridedSlice',
  'UnsortedSegmentSum',
  'BatchToSpaceND',
  'SpaceToBatchND',
];
for (const n of need) console.log(n, k.includes(n));
