import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';

/** Arguments of the {@link Reparameterize} layer (the tfjs-layers layer arguments it accepts). */
export interface ReparameterizeArgs {
  /** Layer name (unique in a model). */
  name?: string;
  /** Has no effect (the layer has no weights); accepted for tfjs-layers compatibility. */
  trainable?: boolean;
}

/**
 * The reparameterisation trick of Kingma & Welling (2013) as a layer: inputs `[mean, logVar]` (both
 * `[n, d]`), output `z = mean + exp(logVar / 2) * eps` with `eps ~ N(0, I)` drawn afresh at every call (also
 * at inference: an encoder containing it samples). Gradients flow to `mean` and `logVar`, which is the point.
 * Registered with `tf.serialization.registerClass` as `'Reparameterize'`, so models containing it save and load.
 *
 * @example
 * const z = reparameterize().apply([mean, logVar]) as tfl.SymbolicTensor;
 */
export class Reparameterize extends tfl.layers.Layer {
  /** Serialisation name (as in `model.json`). */
  static readonly className = 'Reparameterize';

  constructor(args: ReparameterizeArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = inputShape as tfl.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new InputError('Reparameterize: inputs', 'two inputs [mean, logVar]', JSON.stringify(inputShape));
    }
    return shapes[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw new InputError('Reparameterize: inputs', 'two tensors [mean, logVar]', String(inputs));
    }
    const [mean, logVar] = inputs;
    return tf.tidy(() => tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mean.shape))));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}

tf.serialization.registerClass(Reparameterize);

/** Functional-API factory of {@link Reparameterize} (as tfjs-layers names its factories). */
export function reparameterize(args: ReparameterizeArgs = {}): Reparameterize {
  return new Reparameterize(args);
}
