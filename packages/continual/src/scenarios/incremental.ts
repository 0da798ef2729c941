import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOneOf, checkOptions, checkTensor, createRng, describeValue, InputError } from '@tiefe/core';
import { type Experience, makeScenario, type Scenario, type ScenarioKind } from '../experience.js';

/** A labelled data set: inputs of any shape `[n, ...]` (flattened to `[n, features]`) and float32 class ids `[n]`. */
export interface LabelledSet {
  x: tf.Tensor;
  y: tf.Tensor1D;
}

/** Options of {@link classIncremental} and {@link domainIncremental}. */
export interface IncrementalOptions {
  /**
   * Classes of each experience, in order (e.g. `[[0, 1], [2, 3], ...]`). Every class at most once: experiences
   * of a class-incremental stream must not share classes. Default: `classOrder` cut into groups of
   * `classesPerExperience`.
   */
  experiences?: number[][];
  /** The order classes arrive in (default: ascending, or shuffled with `seed`). */
  classOrder?: number[];
  /** Shuffles the class order when given and `classOrder` is not. */
  seed?: number;
  /** Classes per experience when `experiences` is not given (default 2). */
  classesPerExperience?: number;
}

async function classIds(name: string, y: tf.Tensor1D): Promise<Int32Array> {
  const v = await y.data();
  const ids = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0) throw new InputError(name, 'whole class ids >= 0', `${v[i]} at row ${i}`);
    ids[i] = v[i];
  }
  return ids;
}

/** Resolves the experiences' class lists; refuses a class in two experiences or a class the data lacks. */
export function experienceClasses(fn: string, present: number[], options: IncrementalOptions): number[][] {
  if (options.experiences !== undefined) {
    const ex = options.experiences;
    if (!Array.isArray(ex) || ex.length === 0 || !ex.every((c) => Array.isArray(c) && c.length > 0))
      throw new InputError(`${fn}: experiences`, 'a non-empty array of non-empty class lists', describeValue(ex));
    const seen = new Map<number, number>();
    ex.forEach((classes, i) => {
      for (const c of classes) {
        checkInt(`${fn}: experiences`, c, 0);
        if (!present.includes(c))
          throw new InputError(
            `${fn}: experiences`,
            `classes of the data (${present.join(', ')})`,
            `class ${c} in experience ${i}`,
          );
        const before = seen.get(c);
        if (before !== undefined)
          throw new InputError(
            `${fn}: experiences`,
            'experiences with disjoint classes',
            `class ${c} in experiences ${before} and ${i}`,
          );
        seen.set(c, i);
      }
    });
    return ex.map((c) => [...c]);
  }
  const per = checkInt(`${fn}: classesPerExperience`, options.classesPerExperience ?? 2, 1);
  let order = options.classOrder;
  if (order !== undefined) {
    if (!Array.isArray(order) || [...order].sort((a, b) => a - b).join() !== present.join())
      throw new InputError(
        `${fn}: classOrder`,
        `a permutation of the data's classes (${present.join(', ')})`,
        describeValue(order),
      );
  } else {
    order = [...present];
    if (options.seed !== undefined) createRng(checkInt(`${fn}: seed`, options.seed, 0)).shuffle(order);
  }
  if (order.length % per !== 0)
    throw new InputError(`${fn}: classesPerExperience`, `a divisor of the ${order.length} classes`, String(per));
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += per) out.push(order.slice(i, i + per));
  return out;
}

/**
 * Builds the experiences of one split (train or test). `kind` decides the targets: 'class' keeps the class
 * ids, 'task' and 'domain' give each row its class's position within its experience. 'task' numbers the
 * task ids 0, 1, ...; the others give every experience task id 0.
 */
export async function splitByClasses(
  fn: string,
  data: LabelledSet,
  groups: number[][],
  kind: ScenarioKind,
): Promise<Experience[]> {
  const ids = await classIds(`${fn}: y`, data.y);
  const flat = tf.tidy(() => tf.reshape(tf.cast(data.x, 'float32'), [data.x.shape[0], -1]) as tf.Tensor2D);
  try {
    return groups.map((classes, id) => {
      const rows: number[] = [];
      const targets: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const pos = classes.indexOf(ids[i]);
        if (pos < 0) continue;
        rows.push(i);
        targets.push(kind === 'class' ? ids[i] : pos);
      }
      if (rows.length === 0)
        throw new InputError(
          `${fn}: experiences`,
          'classes with examples in every split',
          `no example of ${classes.join(', ')}`,
        );
      const idx = tf.tensor1d(rows, 'int32');
      const x = tf.gather(flat, idx) as tf.Tensor2D;
      idx.dispose();
      return { id, taskId: kind === 'task' ? id : 0, x, y: tf.tensor1d(targets, 'float32'), classes: [...classes] };
    });
  } finally {
    flat.dispose();
  }
}

async function presentClasses(fn: string, train: LabelledSet, test: LabelledSet): Promise<number[]> {
  for (const [n, s] of [
    ['train', train],
    ['test', test],
  ] as const) {
    checkTensor(`${fn}: ${n}.x`, s?.x);
    checkTensor(`${fn}: ${n}.y`, s?.y, { rank: 1 });
    if (s.y.shape[0] !== s.x.shape[0])
      throw new InputError(`${fn}: ${n}.y`, `${s.x.shape[0]} labels`, String(s.y.shape[0]));
  }
  const ids = await classIds(`${fn}: train.y`, train.y);
  return [...new Set(ids)].sort((a, b) => a - b);
}

async function incremental(
  fn: string,
  kind: ScenarioKind,
  train: LabelledSet,
  test: LabelledSet,
  options: IncrementalOptions,
): Promise<Scenario> {
  checkOptions(`${fn}: options`, options);
  const present = await presentClasses(fn, train, test);
  const groups = experienceClasses(fn, present, options);
  if (kind !== 'class' && new Set(groups.map((g) => g.length)).size > 1)
    throw new InputError(
      `${fn}: experiences`,
      'the same number of classes in every experience (one shared output layer)',
      describeValue(groups.map((g) => g.length)),
    );
  const trainExp = await splitByClasses(fn, train, groups, kind);
  let testExp: Experience[];
  try {
    testExp = await splitByClasses(fn, test, groups, kind);
  } catch (e) {
    for (const x of trainExp) tf.dispose([x.x, x.y]);
    throw e;
  }
  const outputs = kind === 'class' ? Math.max(...present) + 1 : groups[0].length;
  return makeScenario(kind, trainExp, testExp, outputs);
}

/**
 * Turns a labelled data set into a class-incremental stream: each experience brings new classes, the model has
 * one output per class and no task id at test time (van de Ven's hardest scenario). With `task: true` it is
 * the task-incremental form instead: one head per experience, targets numbered within the experience.
 *
 * @example
 * const s = await classIncremental(train, test, { classesPerExperience: 2, seed: 1 }); // 5 experiences of 2 digits
 */
export async function classIncremental(
  train: LabelledSet,
  test: LabelledSet,
  options: IncrementalOptions & { task?: boolean } = {},
): Promise<Scenario> {
  const task = options.task === undefined ? false : checkOneOf('classIncremental: task', options.task, [true, false]);
  return incremental('classIncremental', task ? 'task' : 'class', train, test, options);
}

/**
 * Turns a labelled data set into a domain-incremental stream: each experience brings other classes, mapped onto
 * the same outputs (the first class of every experience is target 0, the second target 1, ...), no task id.
 */
export async function domainIncremental(
  train: LabelledSet,
  test: LabelledSet,
  options: IncrementalOptions = {},
): Promise<Scenario> {
  return incremental('domainIncremental', 'domain', train, test, options);
}
