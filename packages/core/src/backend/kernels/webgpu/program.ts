import type * as tf from '@tensorflow/tfjs-core';

/**
 * The shape of a tfjs-backend-webgpu program (4.22), written out so that Tiefe's kernels need no static import
 * of the backend (which registers itself only when `navigator.gpu` exists at import time). The backend
 * prepends the helpers a shader uses: `uniforms.size`, `getCoordsFromIndex`, `get<Input>(coords...)`,
 * `setOutputAtIndex`, and calls `main(index)` once per output element for a flat dispatch.
 */
export interface WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  /** Adds `uniforms.size` (the number of output elements). */
  size?: boolean;
  /** Extra uniform declarations, e.g. `'inner : i32,'`. */
  uniforms?: string;
  getUserCode(): string;
}

/** What `backend.runWebGPUProgram` needs from the active webgpu backend. */
export interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WebGPUProgramLike,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: Array<{ type: 'int32' | 'float32'; data: number[] }>,
  ): tf.TensorInfo;
}

/** A flat (one thread per output element) dispatch over `shape`, in workgroups of 64 as tfjs' own. */
export function flatProgram(
  shape: number[],
  shaderKey: string,
  variableNames: string[],
  userCode: string,
  uniforms?: string,
): WebGPUProgramLike {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    variableNames,
    outputShape: shape,
    shaderKey,
    dispatchLayout: { x: shape.map((_, i) => i) },
    dispatch: [Math.ceil(size / 64), 1, 1],
    workgroupSize: [64, 1, 1],
    size: true,
    uniforms,
    getUserCode: () => userCode,
  };
}
