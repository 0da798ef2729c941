import type { Plugin } from '../trainer.js';

/**
 * Naive fine-tuning: each experience trained in turn with nothing against forgetting (the lower bound).
 * The same as a trainer with no plugins; named so that strategy tables can list it.
 */
export function naive(): Plugin {
  return { name: 'naive' };
}
