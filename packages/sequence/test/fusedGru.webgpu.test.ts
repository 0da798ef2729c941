import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, expect, test } from 'vitest';
import { fusedGru } from '../src/index.js';
import { expectFusedMatchesReference } from './fusedAgainstReference.js';

beforeAll(() => initBackend({ prefer: ['webgpu'] }));

// FusedGRU (its WGSL step kernels: TiefeGruStepGates, TiefeGruStepCell and their gradients, each with its
// matMul inside) on webgpu against tfjs-layers' GRU on the same backend, tiny (lavapipe emulates the GPU on the
// CPU): masked steps, initial states, every output and gradient. The kernels tile threads by batch rows (4, 2
// or 1 a thread) and units (a vec4 when units % 4 == 0): the cases cover scalar and vec4 programs and every row
// count (not 4 rows of vec4, the bench's shapes: a cold Mesa shader cache took 36-54 s to compile those).
test.each([
  [4, 3, 'scalar units, 4 rows a thread'],
  [2, 8, 'vec4 units, 2 rows a thread'],
  [3, 4, 'vec4 units, 1 row a thread'],
])(
  'webgpu: FusedGRU (batch %i, units %i: %s) outputs and gradients equal tfjs-layers GRU within 1e-5 relative (mask, initial state)',
  async (batch, units) => {
    expect(tf.getBackend()).toBe('webgpu');
    const args = { units, returnSequences: true, returnState: true };
    const kernels = await expectFusedMatchesReference(
      tfl.layers.gru({ ...args, recurrentActivation: 'sigmoid' }),
      fusedGru(args),
      { batch, units, stateCount: 1 },
    );
    // each half step in one kernel each way (no per-step matMul: the five are x W, dW, dx, h0^T dzr_0 for dU
    // and dh0's)
    const names = ['TiefeGruStepGates', 'TiefeGruStepCell', 'TiefeGruStepCellGrad', 'TiefeGruStepGatesGrad'];
    const count = (name: string) => kernels.filter((k) => k === name).length;
    expect([...names, 'BatchMatMul'].map(count)).toEqual([4, 4, 4, 4, 5]);
  },
);
