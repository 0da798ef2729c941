import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkTensor, InputError } from '@tiefe/core';
import { parseGraph } from './graph.js';

/**
 * Checks what every explanation method takes: a single-input model whose output is `[N, classes]` logits, and
 * a live float tensor `x` whose sample shape matches the model's input shape. `fn` is the public function
 * (`'saliency'`), used for the `'fn: argument'` names of the errors; `arg` is the tensor's argument name.
 */
export function checkInput(fn: string, model: tfl.LayersModel, x: tf.Tensor, arg = 'x'): void {
  const name = `${fn}: ${arg}`;
  checkTensor(name, x);
  parseGraph(model, fn);
  const out = model.outputs[0].shape;
  if (out.length !== 2 || out[1] == null) {
    throw new InputError(`${fn}: model`, 'an output of shape [N, classes]', `[${out}]`);
  }
  const want = model.inputs[0].shape;
  const ok = x.rank === want.length && want.every((d, i) => i === 0 || d == null || d === x.shape[i]);
  if (!ok) throw new InputError(name, `shape [${want.map((d) => d ?? 'N').join(',')}]`, `[${x.shape}]`);
  if (x.shape[0] === 0) throw new InputError(name, 'a batch of at least one input', 'an empty batch');
}
