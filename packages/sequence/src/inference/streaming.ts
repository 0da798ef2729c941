import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOptions, checkTensor, InputError } from '@tiefe/core';

/** Class names of the recurrent layers a streaming copy makes stateful. */
const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'RNN']);

/** Options of {@link streamingModel}. */
export interface StreamingOptions {
  /** Sequences streamed side by side; every step must bring exactly this many. Default 1. */
  batchSize?: number;
}

/**
 * A stateful copy of a recurrent model that is fed one time step at a time and remembers its state between
 * calls (a live signal, a generator). Made by {@link streamingModel}.
 */
export interface StreamingModel {
  /** The stateful tfjs-layers model (input `[batchSize, 1, ...]`). */
  readonly model: tfl.LayersModel;
  /** The fixed batch size. */
  readonly batchSize: number;
  /**
   * Feeds one step: `[batchSize, features]` (or `[batchSize]` ids for an embedding model) and returns the
   * model's output for that step, `[batchSize, outputs]`. The caller owns (disposes) the result.
   */
  step(x: tf.Tensor): tf.Tensor;
  /** Sets every recurrent state back to zeros (start of a new sequence). */
  reset(): void;
  /** Frees the copy's weights and states. */
  dispose(): void;
}

type Topology = {
  class_name: string;
  config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> };
};

/**
 * The streaming (stateful) copy of a trained recurrent model, with the same weights: running a sequence
 * through it step by step gives the same outputs as the original model on the whole sequence (per step for a
 * many-to-many model; for a many-to-one model, the output after the steps fed so far). Bidirectional layers
 * need the whole sequence and are refused. A {@link FusedLSTM} / {@link FusedGRU} becomes a stateful tfjs `LSTM` /
 * `GRU` with its weights.
 *
 * @example
 * const live = await streamingModel(model);
 * for (const v of signal) { const y = live.step(tf.tensor2d([[v]])); ...; y.dispose(); }
 * live.reset();
 */
export async function streamingModel(model: tfl.LayersModel, options: StreamingOptions = {}): Promise<StreamingModel> {
  if (!(model instanceof tfl.LayersModel))
    throw new InputError('streamingModel: model', 'a tfjs-layers LayersModel', String(model));
  const o = checkOptions('streamingModel: options', options);
  const batchSize = checkInt('streamingModel: batchSize', o.batchSize ?? 1);
  if (model.inputs.length !== 1)
    throw new InputError('streamingModel: model', 'a model with one input', `${model.inputs.length} inputs`);
  const topology = model.toJSON(null, false) as unknown as Topology;
  let recurrent = 0;
  for (const layer of topology.config.layers) {
    if (layer.class_name === 'Bidirectional') {
      throw new InputError(
        'streamingModel: model',
        'a model without Bidirectional layers (they need the whole sequence)',
        `layer ${String(layer.config.name)}`,
      );
    }
    if (layer.class_name === 'InputLayer') {
      const shape = layer.config.batch_input_shape as (number | null)[];
      layer.config.batch_input_shape = [batchSize, 1, ...shape.slice(2)];
    }
    if (layer.class_name === 'FusedLSTM' || layer.class_name === 'FusedGRU') {
      // Same maths, options and weight layout as a sigmoid-gated LSTM / GRU, which have the stateful mode the
      // fused layers lack.
      layer.class_name = layer.class_name === 'FusedLSTM' ? 'LSTM' : 'GRU';
      layer.config = { ...layer.config, recurrent_activation: 'sigmoid' };
    }
    if (RECURRENT.has(layer.class_name)) {
      layer.config.stateful = true;
      recurrent++;
    }
  }
  if (recurrent === 0) throw new InputError('streamingModel: model', 'a model with a recurrent layer', 'none');
  const copy = await tfl.models.modelFromJSON({
    modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'],
  });
  copy.setWeights(model.getWeights());
  const stepRank = model.inputs[0].shape.length - 1;
  let disposed = false;
  return {
    model: copy,
    batchSize,
    step(x: tf.Tensor): tf.Tensor {
      if (disposed) throw new InputError('StreamingModel.step: this', 'a live streaming model', 'a disposed one');
      checkTensor('StreamingModel.step: x', x, { rank: stepRank });
      if (x.shape[0] !== batchSize) {
        throw new InputError(
          'StreamingModel.step: x',
          `a batch of ${batchSize} (the streaming model's fixed batch size)`,
          `shape [${x.shape}]`,
        );
      }
      const expected = model.inputs[0].shape.slice(2);
      if (expected.some((d, i) => d !== null && d !== x.shape[i + 1])) {
        throw new InputError(
          'StreamingModel.step: x',
          `shape [${batchSize},${expected.join(',')}]`,
          `shape [${x.shape}]`,
        );
      }
      return tf.tidy(() => {
        const y = copy.predict(tf.expandDims(x, 1)) as tf.Tensor;
        return y.rank === 3 ? tf.squeeze(y, [1]) : y;
      });
    },
    reset(): void {
      copy.resetStates();
    },
    dispose(): void {
      if (disposed) return;
      // model.dispose() frees the weights but not a stateful RNN's state tensors (tfjs keeps them per layer).
      for (const layer of copy.layers) {
        const rnn = layer as unknown as { states_?: tf.Tensor[] | null; keptStates?: tf.Tensor[][] };
        if (RECURRENT.has(layer.getClassName())) {
          tf.dispose(rnn.states_ ?? []);
          tf.dispose((rnn.keptStates ?? []).flat());
          rnn.states_ = null;
          rnn.keptStates = [];
        }
      }
      copy.dispose();
      disposed = true;
    },
  };
}
