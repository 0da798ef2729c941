import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkNumber, checkOneOf, checkOptions, createRng } from '@tiefe/core';
import { loadMnist, type SourceOptions, trainTestSplit } from '@tiefe/datasets';
import { type Experience, makeScenario, type Scenario, type ScenarioKind } from '../experience.js';
import { type LabelledSet, splitByClasses } from './incremental.js';

/** Where the digits come from and how they are split, shared by {@link splitMnist} and {@link permutedMnist}. */
export interface MnistSourceOptions extends SourceOptions {
  /** Which official file to read (default 'test': the 10,000 t10k digits, split into train and test below). */
  split?: 'train' | 'test';
  /** Use only the first `limit` digits of the file (default all). */
  limit?: number;
  /** Share of the digits held out for testing (default 0.2: 8,000 train / 2,000 test of the 10,000). */
  testFraction?: number;
  /** Seed of the train/test split (default 0). */
  splitSeed?: number;
}

/** Options of {@link splitMnist}. */
export interface SplitMnistOptions extends MnistSourceOptions {
  /** 'task' (5 heads of 2), 'domain' (2 shared outputs: even/odd position) or 'class' (10 outputs). Default 'class'. */
  scenario?: ScenarioKind;
}

async function mnistSets(fn: string, options: MnistSourceOptions): Promise<{ train: LabelledSet; test: LabelledSet }> {
  const testFraction = checkNumber(`${fn}: testFraction`, options.testFraction ?? 0.2, 0.01, 0.99);
  const splitSeed = checkInt(`${fn}: splitSeed`, options.splitSeed ?? 0, 0);
  const data = await loadMnist({
    dir: options.dir,
    download: options.download,
    cacheDir: options.cacheDir,
    onProgress: options.onProgress,
    split: options.split ?? 'test',
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
  });
  try {
    const { train, test } = trainTestSplit(data, { testSize: testFraction, seed: splitSeed, stratify: true });
    return { train: { x: train.images, y: train.labels }, test: { x: test.images, y: test.labels } };
  } finally {
    tf.dispose([data.images, data.labels]);
  }
}

/**
 * Split MNIST (Zenke 2017; van de Ven 2019): five experiences of two digits, (0,1), (2,3), ..., (8,9), in one of
 * the three scenarios. 'task': task id t selects head t, targets 0/1; 'domain': one 2-output head, targets 0/1,
 * no task id; 'class': one 10-output head, targets the digits. By default it reads the 10,000 t10k digits and
 * keeps 8,000 for training and 2,000 for testing (stratified).
 *
 * @example
 * const s = await splitMnist({ dir: '../shared/data/mnist', scenario: 'class' });
 * // s.train.length === 5, s.outputs === 10, s.heads === 1; s.dispose() when done
 */
export async function splitMnist(options: SplitMnistOptions = {}): Promise<Scenario> {
  checkOptions('splitMnist: options', options);
  const kind = checkOneOf('splitMnist: scenario', options.scenario ?? 'class', ['task', 'domain', 'class'] as const);
  const { train, test } = await mnistSets('splitMnist', options);
  try {
    const groups = [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ];
    const tr = await splitByClasses('splitMnist', train, groups, kind);
    const te = await splitByClasses('splitMnist', test, groups, kind);
    return makeScenario(kind, tr, te, kind === 'class' ? 10 : 2);
  } finally {
    tf.dispose([train.x, train.y, test.x, test.y]);
  }
}

/** Options of {@link permutedMnist}. */
export interface PermutedMnistOptions extends MnistSourceOptions {
  /** Number of experiences (default 5); the first uses the identity permutation, as in van de Ven's code. */
  experiences?: number;
  /** Seed of the pixel permutations (default 0). */
  seed?: number;
}

/**
 * Permuted MNIST (Goodfellow 2013; Kirkpatrick 2017): every experience holds all ten digits with its own fixed
 * pixel permutation (the first unpermuted); domain-incremental: one 10-output head, no task id.
 */
export async function permutedMnist(options: PermutedMnistOptions = {}): Promise<Scenario> {
  checkOptions('permutedMnist: options', options);
  const n = checkInt('permutedMnist: experiences', options.experiences ?? 5, 1);
  const rng = createRng(checkInt('permutedMnist: seed', options.seed ?? 0, 0));
  const { train, test } = await mnistSets('permutedMnist', options);
  try {
    const flat = (s: LabelledSet) => tf.reshape(s.x, [s.x.shape[0], -1]) as tf.Tensor2D;
    const xs = [flat(train), flat(test)];
    const features = xs[0].shape[1];
    const tr: Experience[] = [];
    const te: Experience[] = [];
    for (let id = 0; id < n; id++) {
      const perm = Array.from({ length: features }, (_, i) => i);
      if (id > 0) rng.shuffle(perm);
      const p = tf.tensor1d(perm, 'int32');
      tr.push({
        id,
        taskId: 0,
        x: tf.gather(xs[0], p, 1) as tf.Tensor2D,
        y: tf.clone(train.y),
        classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      });
      te.push({
        id,
        taskId: 0,
        x: tf.gather(xs[1], p, 1) as tf.Tensor2D,
        y: tf.clone(test.y),
        classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      });
      p.dispose();
    }
    tf.dispose(xs);
    return makeScenario('domain', tr, te, 10);
  } finally {
    tf.dispose([train.x, train.y, test.x, test.y]);
  }
}
