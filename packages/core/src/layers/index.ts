/** Layers and ops that tfjs-layers lacks. */
export { heaviside, Step, type StepGradient, type StepLayerArgs, type StepOptions, step } from './step.js';
