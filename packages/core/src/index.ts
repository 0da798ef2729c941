/**
 * @tiefe/core: the Tiefe runtime. Backend selection (WebGPU in the browser and in Node, a trainable wasm
 * backend, cpu), training utilities that Keras users expect, and classification metrics.
 *
 * @packageDocumentation
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
export { GRU_CELL, GRU_CELL_GRAD, GRU_GATES, GRU_GATES_GRAD } from './backend/kernels/cpu/TiefeGruCell.js';
export { LSTM_CELL, LSTM_CELL_GRAD } from './backend/kernels/cpu/TiefeLstmCell.js';
export { registerKernels } from './backend/kernels/registry.js';
export {
  GRU_STEP_CELL,
  GRU_STEP_CELL_GRAD,
  GRU_STEP_GATES,
  GRU_STEP_GATES_GRAD,
} from './backend/kernels/webgpu/TiefeGruCell.js';
export { LSTM_STEP, LSTM_STEP_GRAD } from './backend/kernels/webgpu/TiefeLstmCell.js';
export { ensureNavigatorGpu } from './backend/nodeWebgpu.js';
export { WASM_BINARIES, type WasmBinaryName, type WasmPaths } from './backend/wasm/wasmFiles.js';
export { crc32 } from './crc32.js';
export { BackendError, InputError, TiefeError } from './errors.js';
export * from './image/index.js';
export * from './io/index.js';
export * from './layers/index.js';
export * from './metrics/index.js';
export { importNodeOnly, isNode } from './platform.js';
export { createRng, type Rng, seed } from './random.js';
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
