import type * as tfl from '@tensorflow/tfjs-layers';

/** A symbolic tensor of the functional API (the type of `tfl.input(...)` and of a layer's `apply` result). */
export type Sym = tfl.SymbolicTensor;

/**
 * Activations a block accepts: any built-in tfjs activation by name, or one of the parametric/leaky ones the
 * course uses. `'prelu'` adds a `PReLU` layer with one learned slope per channel (spatial axes shared);
 * `'leakyRelu'` adds a `LeakyReLU` layer (alpha 0.3, as in Keras); `'linear'` (or `null`) adds nothing.
 */
export type ActivationName =
  | 'relu'
  | 'relu6'
  | 'elu'
  | 'selu'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'tanh'
  | 'softplus'
  | 'softsign'
  | 'swish'
  | 'mish'
  | 'gelu'
  | 'gelu_new'
  | 'softmax'
  | 'prelu'
  | 'leakyRelu'
  | 'linear';

/** Pooling or resampling methods for going down in resolution. */
export type DownsampleMethod = 'max' | 'average' | 'strided';

/** Methods for going up in resolution: nearest-neighbour repetition or a learned transposed convolution. */
export type UpsampleMethod = 'upsample' | 'transpose';

/** `'same'` keeps the spatial size (at stride 1); `'valid'` uses only full windows. */
export type Padding = 'same' | 'valid';
