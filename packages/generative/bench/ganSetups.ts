/**
 * The GANs the benches measure, in one place: gan.bench.ts trains them on MNIST, stepTimes.bench.ts times their
 * steps, so both always describe the same networks. Small DCGANs (Radford et al. 2015: 4x4 stride-2 (transposed)
 * convolutions, batch norm in both networks, ReLU in G, LeakyReLU 0.2 in D, tanh output; Adam 2e-4 / 0.5,
 * non-saturating loss, one-sided label smoothing 0.1). The conditional one embeds the class into G, projects it
 * onto D's features (Miyato & Koyama 2018) and has AC-GAN's class head (Odena et al. 2017) trained on the real
 * digits only (`classifyFakes: false`).
 */
import { GanTrainer, ganDiscriminator, ganGenerator } from '@tiefe/generative';

/** Generator channels from 7x7 up (7x7x64 -> 14x14x32 -> 28x28x1). */
export const G_FILTERS = [64, 32];
/** Discriminator channels of its two stride-2 convolutions (28 -> 14 -> 7). */
export const D_FILTERS = [32, 64];
/** Noise size. */
export const LATENT = 64;

/** One benchmarked GAN. */
export interface GanSetup {
  name: string;
  /** 10: conditional on the digit class; 0: unconditional. */
  classes: number;
  /** The networks and their trainer. */
  build(): GanTrainer;
  /** The setup in words, for the rows' notes. */
  description: string;
}

function dcgan(classes: number): GanTrainer {
  return new GanTrainer({
    generator: ganGenerator({ outputShape: [28, 28, 1], latentDim: LATENT, classes, filters: G_FILTERS }),
    discriminator: ganDiscriminator({
      inputShape: [28, 28, 1],
      classes,
      filters: D_FILTERS,
      auxiliaryClassifier: classes > 0,
    }),
    labelSmoothing: 0.1,
    classifyFakes: false,
  });
}

const common = `G z ${LATENT} -> 7x7x${G_FILTERS[0]} -> 14x14x${G_FILTERS[1]} -> 28x28 tanh (batch norm, ReLU), D ${D_FILTERS.join('-')} 4x4 stride-2 convs (batch norm, LeakyReLU 0.2), non-saturating loss, label smoothing 0.1, Adam 2e-4/0.5, batch 64`;

/** The conditional DCGAN (projection discriminator + AC-GAN head on real digits) and the unconditional DCGAN. */
export const ganSetups: GanSetup[] = [
  {
    name: 'conditional DCGAN',
    classes: 10,
    build: () => dcgan(10),
    description: `${common}; class embedding 50 joined to z, class projection in D, AC-GAN class head learning the real digits' classes only (classifyFakes false, class weight 1)`,
  },
  { name: 'unconditional DCGAN', classes: 0, build: () => dcgan(0), description: common },
];
