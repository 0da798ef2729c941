/**
 * @tiefe/generative: the course's representation-learning and generative models for TensorFlow.js:
 * autoencoders (dense, convolutional, denoising, anomaly scores), variational autoencoders (with a registered
 * reparameterisation layer, the ELBO and an importance-weighted NLL), GAN, DCGAN, conditional GAN, WGAN-GP and
 * pix2pix, trained with custom steps over explicit variable lists.
 *
 * @packageDocumentation
 */

export {
  type AdversarialState,
  gradientPenalty,
  loadAdversarialCheckpoint,
  saveAdversarialCheckpoint,
  sigmoidCrossEntropy,
} from './adversarial.js';
export {
  Autoencoder,
  type AutoencoderOptions,
  type AutoencoderTrainOptions,
  anomalyThreshold,
  autoencoder,
  reconstructionLoss,
  type ThresholdOptions,
} from './autoencoder.js';
export { TrainingDivergedError } from './errors.js';
export { frechetDistance } from './frechet.js';
export {
  type GanConditioning,
  type GanDiscriminatorOptions,
  type GanGeneratorOptions,
  type GanKind,
  ganDiscriminator,
  ganGenerator,
} from './ganModels.js';
export { type GanLoss, GanTrainer, type GanTrainerOptions, type GanTrainOptions } from './ganTrainer.js';
export { sampleGrid, type ToImageOptions, tensorToImages } from './images.js';
export type { EpochOptions } from './loop.js';
export type { NetworkKind, TrunkOptions } from './networks.js';
export { addNoise, type NoiseOptions, type NoiseType } from './noise.js';
export {
  type PatchGanOptions,
  type Pix2PixGeneratorOptions,
  Pix2PixTrainer,
  type Pix2PixTrainerOptions,
  patchGan,
  pix2pixGenerator,
} from './pix2pix.js';
export { Reparameterize, type ReparameterizeArgs, reparameterize } from './reparameterize.js';
export {
  type ElboParts,
  type Likelihood,
  Vae,
  type VaeOptions,
  type VaeTrainOptions,
  vae,
} from './vae.js';
