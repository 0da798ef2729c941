import { TiefeError } from '@tiefe/core';

/**
 * A model contains a layer that an explanation method cannot handle. The message names the layer and its
 * class, e.g. `lrp: layer "lstm_LSTM1" of class LSTM is not supported (supported: Dense, Conv2D, ...)`.
 */
export class UnsupportedLayerError extends TiefeError {
  constructor(
    readonly method: string,
    readonly layerName: string,
    readonly className: string,
    detail: string,
  ) {
    super(`${method}: layer "${layerName}" of class ${className} is not supported (${detail})`);
  }
}
