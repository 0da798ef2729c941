import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, expect, test } from 'vitest';
import { fusedLstm } from '../src/index.js';
import { expectFusedMatchesReference } from './fusedAgainstReference.js';

beforeAll(() => initBackend({ prefer: ['webgpu'] }));

// FusedLSTM (its WGSL step kernels, TiefeLstmStep / TiefeLstmStepGrad: the step's matMul inside) on webgpu
// against tfjs-layers' LSTM on the same backend, tiny (lavapipe emulates the GPU on the CPU): masked steps,
// initial states, every output and gradient. The kernels tile threads by batch rows (4, 2 or 1 a thread) and
// units (a vec4 when units % 4 == 0): the cases cover scalar and vec4 programs and every row count (not 4 rows
// of vec4, the bench's shapes: a cold Mesa shader cache took 36-54 s to compile those programs).
test.each([
  [4, 3, 'scalar units, 4 rows a thread'],
  [2, 8, 'vec4 units, 2 rows a thread'],
  [3, 4, 'vec4 units, 1 row a thread'],
])(
  'webgpu: FusedLSTM (batch %i, units %i: %s) outputs and gradients equal tfjs-layers LSTM within 1e-5 relative (mask, initial states)',
  async (batch, units) => {
    expect(tf.getBackend()).toBe('webgpu');
    const args = { units, returnSequences: true, returnState: true };
    const kernels = await expectFusedMatchesReference(
      tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid' }),
      fusedLstm(args),
      { batch, units, stateCount: 2 },
    );
    // the whole step in one kernel each way (no per-step matMul: the five are x W, dW, dx, h0^T dz_0 for dU
    // and dh0's)
    const count = (name: string) => kernels.filter((k) => k === name).length;
    expect([count('TiefeLstmStep'), count('TiefeLstmStepGrad'), count('BatchMatMul')]).toEqual([4, 4, 5]);
  },
);
