/**
 * @tiefe/core: the Tiefe runtime. Backend selection (WebGPU in the browser and in Node, a trainable wasm
 * backend, cpu), training utilities that Keras users expect, and classification metrics.
 */
export {
  type AdapterInfo,
  type BackendChoice,
  type BackendName,
  DEFAULT_BACKENDS,
  type InitBackendOptions,
  initBackend,
  isSoftwareAdapter,
} from './backend/initBackend.js';
export { ensureNavigatorGpu } from './backend/nodeWebgpu.js';
export { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './backend/wasm/registerTrainingKernels.js';
export { BackendError, InputError, TiefeError } from './errors.js';
export { registerDilatedConvGradients } from './gradients/dilatedConvGrads.js';
export * from './layers/index.js';
export * from './metrics/index.js';
export { importNodeOnly, isNode } from './platform.js';
export { createRng, type Rng, seed } from './random.js';
export { registerChainedOps } from './tensor/chainedOps.js';
export * from './training/index.js';
export {
  checkBoolean,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkRank,
  checkRate,
  checkShape,
  checkTensor,
  describeValue,
  type TensorRequirements,
} from './validate.js';
