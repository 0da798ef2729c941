/** Training checkpoints in Node: model, optimizer state and metadata in one folder, replaced atomically. */
export { type CheckpointCallbackOptions, checkpointCallback } from './checkpointCallback.js';
export { CheckpointError } from './layout.js';
export { hasCheckpoint, type LoadCheckpointOptions, type LoadedCheckpoint, loadCheckpoint } from './loadCheckpoint.js';
export { type CheckpointState, saveCheckpoint } from './saveCheckpoint.js';
