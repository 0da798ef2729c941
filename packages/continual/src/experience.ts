import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkTensor, describeValue, InputError } from '@tiefe/core';

/**
 * One experience of a continual-learning stream (Avalanche's word): the data of one step, with its task id and
 * the original classes it holds. `x` is float32 `[n, features]`, `y` float32 `[n]` target ids (what the model
 * is trained to output: the original class in class-incremental scenarios, the position within the experience
 * in task- and domain-incremental ones). The tensors belong to the scenario that made them (its `dispose()`).
 */
export interface Experience {
  /** Position in the stream, 0-based. */
  id: number;
  /** Task label (the head a multi-head model uses); 0 for every experience of a single-head scenario. */
  taskId: number;
  /** Inputs, float32 `[n, features]`. */
  x: tf.Tensor2D;
  /** Targets, float32 `[n]` whole numbers. */
  y: tf.Tensor1D;
  /** The original class ids the experience holds (for split MNIST, its two digits). */
  classes: number[];
}

/** The kinds of scenario of van de Ven et al. (2019, 2022). */
export type ScenarioKind = 'task' | 'domain' | 'class';

/** A stream of training experiences and the matching test experiences, with the output size they need. */
export interface Scenario {
  /** 'task' (task id given, one head per task), 'domain' (same outputs, no task id) or 'class' (all classes). */
  kind: ScenarioKind;
  /** Training experiences, in order. */
  train: Experience[];
  /** Test experiences, one per training experience (same id, task id and classes). */
  test: Experience[];
  /** Outputs per head: classes per experience for task/domain, all classes for class-incremental. */
  outputs: number;
  /** Heads the model needs: the number of experiences for 'task', else 1. */
  heads: number;
  /** Disposes every tensor of every experience. */
  dispose(): void;
}

/** Checks an experience's fields and that its x and y agree in length. */
export function checkExperience(name: string, e: unknown): Experience {
  const exp = e as Partial<Experience> | null;
  if (exp === null || typeof exp !== 'object')
    throw new InputError(name, 'an experience { id, taskId, x, y, classes }', describeValue(e));
  checkInt(`${name}.id`, exp.id, 0);
  checkInt(`${name}.taskId`, exp.taskId, 0);
  const x = checkTensor<tf.Tensor2D>(`${name}.x`, exp.x, { rank: 2, dtype: 'float32' });
  const y = checkTensor<tf.Tensor1D>(`${name}.y`, exp.y, { rank: 1 });
  if (y.shape[0] !== x.shape[0])
    throw new InputError(`${name}.y`, `${x.shape[0]} targets (one per row of x)`, `${y.shape[0]}`);
  if (!Array.isArray(exp.classes))
    throw new InputError(`${name}.classes`, 'an array of class ids', describeValue(exp.classes));
  return exp as Experience;
}

/** Makes a {@link Scenario} whose `dispose` frees every experience's tensors once. */
export function makeScenario(kind: ScenarioKind, train: Experience[], test: Experience[], outputs: number): Scenario {
  let disposed = false;
  return {
    kind,
    train,
    test,
    outputs,
    heads: kind === 'task' ? train.length : 1,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const e of [...train, ...test]) tf.dispose([e.x, e.y]);
    },
  };
}
