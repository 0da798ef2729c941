/** Layers and ops that tfjs-layers lacks. */
export { Step, type StepGradient, type StepLayerArgs, type StepOptions, step, stepLayer } from './step.js';
