/**
 * @tiefe/blocks: the course's architectures as functional-API building blocks (`convUnit`, `residualBlock`,
 * `bottleneckBlock`, `inceptionModule`, `downsample`, `upsample`) and ready models (`mlp`, `lenet5`,
 * `smallCnn`, `resnet`, `inceptionNet`, `fcn`, `unet`, `unet3d`, `vnet`), built from standard tfjs-layers
 * layers (plus Tiefe's registered `UpSampling3D`) so they save, reload and train on WebGPU, wasm and cpu.
 *
 * @packageDocumentation
 */
export { type ConvUnitOptions, convUnit } from './blocks/convUnit.js';
export { type InceptionOptions, inceptionModule } from './blocks/inception.js';
export { activate, batchNorm } from './blocks/layersUtil.js';
export { bottleneckBlock, type ResidualOptions, residualBlock } from './blocks/residual.js';
export { type DownsampleOptions, downsample, type UpsampleOptions, upsample } from './blocks/sampling.js';
export { UpSampling3D, type UpSampling3DArgs, upSampling3d } from './layers/UpSampling3D.js';
export {
  classifierHead,
  type Lenet5Options,
  lenet5,
  type MlpOptions,
  mlp,
  type SmallCnnOptions,
  smallCnn,
} from './models/classifiers.js';
export { type FcnOptions, fcn } from './models/fcn.js';
export { type InceptionNetOptions, type InceptionStage, inceptionNet } from './models/inceptionNet.js';
export { type ResnetOptions, resnet } from './models/resnet.js';
export { type UnetOptions, unet, unet3d } from './models/unet.js';
export { type VnetOptions, vnet } from './models/vnet.js';
export type { ActivationName, DownsampleMethod, Padding, Sym, UpsampleMethod } from './options.js';
