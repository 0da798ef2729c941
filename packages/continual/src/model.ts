import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOptions, checkShape } from '@tiefe/core';

/** Options of {@link continualMlp}. */
export interface ContinualMlpOptions {
  /** Input features (default 784: a flattened MNIST digit). */
  inputSize?: number;
  /** Hidden widths (default [400, 400], van de Ven's split-MNIST network). */
  hidden?: number[];
  /** Outputs per head (default 10). */
  outputs?: number;
  /** Heads (default 1); more than one gives a multi-head model for task-incremental learning. */
  heads?: number;
}

/**
 * The fully connected network of the continual-learning literature: ReLU hidden layers and linear (logit)
 * heads. With `heads > 1` the model has one output per head (`head_0`, `head_1`, ...) on a shared trunk; the
 * trainer picks head t for an example of task t. A plain tfjs-layers model: `model.save()` and
 * `tf.loadLayersModel()` work.
 *
 * @example
 * const model = continualMlp({ outputs: 2, heads: 5 }); // task-incremental split MNIST
 */
export function continualMlp(options: ContinualMlpOptions = {}): tfl.LayersModel {
  checkOptions('continualMlp: options', options);
  const inputSize = checkInt('continualMlp: inputSize', options.inputSize ?? 784);
  const hidden = checkShape('continualMlp: hidden', options.hidden ?? [400, 400]);
  const outputs = checkInt('continualMlp: outputs', options.outputs ?? 10, 2);
  const heads = checkInt('continualMlp: heads', options.heads ?? 1);
  const input = tfl.input({ shape: [inputSize], name: 'x' });
  let h: tfl.SymbolicTensor = input;
  hidden.forEach((units, i) => {
    h = tfl.layers.dense({ units, activation: 'relu', name: `fc${i + 1}` }).apply(h) as tfl.SymbolicTensor;
  });
  const outs = Array.from(
    { length: heads },
    (_, t) =>
      tfl.layers.dense({ units: outputs, name: heads === 1 ? 'logits' : `head_${t}` }).apply(h) as tfl.SymbolicTensor,
  );
  return tfl.model({ inputs: input, outputs: heads === 1 ? outs[0] : outs, name: 'continualMlp' });
}
