import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  formatDuration,
  formatValue,
  InputError,
  initBackend,
  type ProgressEvent,
  progressBar,
  seed,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 300, write: (s: string) => chunks.push(s) } };
}

/** A clock that advances 10 ms per reading. */
function fakeClock() {
  let t = 0;
  return () => {
    t += 10;
    return t;
  };
}

function tinyModel(): tfl.LayersModel {
  seed(5);
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 4, activation: 'relu', inputShape: [2] }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** One warm-up step so that Adam's moment variables exist before tensors are counted. */
async function warmUp(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  await model.fit(x, y, { epochs: 1, batchSize: 40, verbose: 0 });
}

function data() {
  return tf.tidy(() => {
    const x = tf.tensor2d(Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]));
    const y = tf.cast(tf.greater(tf.sum(x, 1, true), 0), 'float32');
    return { x, y };
  });
}

describe('progressBar', () => {
  test('TTY: one bar redrawn with \\r, running means equal the batch-loss means, epoch line = history', async () => {
    const { x, y } = data();
    const model = tinyModel();
    const { chunks, stream } = fakeStream(true);
    const events: ProgressEvent[] = [];
    const batchLosses: number[] = [];
    const recorder = new tfl.CustomCallback({
      onBatchEnd: async (_b, logs) => void batchLosses.push(logs?.loss ?? Number.NaN),
    });
    await warmUp(model, x, y);
    const before = tf.memory().numTensors;
    const bar = progressBar({ stream, refreshMs: 0, now: fakeClock(), onProgress: (e) => events.push(e) });
    const history = await model.fit(x, y, {
      epochs: 2,
      batchSize: 10,
      shuffle: false,
      callbacks: [bar, recorder],
      verbose: 0,
    });
    expect(tf.memory().numTensors).toBe(before);

    // 4 batches per epoch: batches 1..3 redraw, batch 4 is replaced by the epoch line.
    const redraws = chunks.filter((c) => c.startsWith('\r') && !c.endsWith('\n'));
    const epochLines = chunks.filter((c) => c.endsWith('\n'));
    expect(redraws).toHaveLength(6);
    expect(epochLines).toHaveLength(2);
    expect(chunks).toHaveLength(8);
    expect(redraws[0]).toMatch(/^\rEpoch 1\/2 1\/4 \[=======>\.{22}\] ETA 30ms - loss: \d+\.\d{4} - acc: \d\.\d{4}/);
    expect(redraws[0].endsWith('\u001b[K')).toBe(true); // clear to end of line
    expect(redraws[2]).toContain('3/4 [======================>.......]');
    for (let e = 0; e < 2; e++) {
      const line = epochLines[e];
      expect(line).toMatch(new RegExp(`^\\rEpoch ${e + 1}/2 4/4 \\[={30}\\] \\d+ms \\d+ms/step - loss: `));
      expect(line).toContain(`loss: ${formatValue(history.history.loss[e] as number)}`);
      expect(line).toContain(`acc: ${formatValue(history.history.acc[e] as number)}`);
    }
    // Running means: equal batch sizes, so the plain mean of the losses so far.
    const batchEvents = events.filter((e) => e.type === 'batch');
    expect(batchEvents.map((e) => `${e.epoch}:${e.batch}/${e.batches}`)).toEqual([
      '0:1/4',
      '0:2/4',
      '0:3/4',
      '1:1/4',
      '1:2/4',
      '1:3/4',
    ]);
    for (const e of batchEvents) {
      const losses = batchLosses.slice(e.epoch * 4, e.epoch * 4 + e.batch);
      expect(e.logs.loss).toBeCloseTo(losses.reduce((a, b) => a + b, 0) / losses.length, 6);
      // ETA = elapsed / done * remaining; every clock reading adds 10 ms.
      expect(e.etaMs).toBeCloseTo((e.elapsedMs / e.batch) * (4 - e.batch), 9);
    }
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.logs.loss)).toEqual(history.history.loss);
    expect(events.at(-1)?.type).toBe('end');
    model.dispose();
    tf.dispose([x, y]);
  });

  test('non-TTY: plain lines, one per epoch plus one every N batches, validation metrics included', async () => {
    const { x, y } = data();
    const model = tinyModel();
    const { chunks, stream } = fakeStream(false);
    await warmUp(model, x, y);
    const before = tf.memory().numTensors;
    await model.fit(x, y, {
      epochs: 2,
      batchSize: 10,
      validationSplit: 0.25, // 30 training samples: 3 batches
      callbacks: [progressBar({ stream, every: 2, now: fakeClock() })],
      verbose: 0,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r') && !c.includes('\x1b'))).toBe(true);
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toMatch(/^Epoch 1\/2 - 2\/3 - ETA \d+ms - loss: \d\.\d{4} - acc: \d\.\d{4}\n$/);
    expect(chunks[1]).toMatch(
      /^Epoch 1\/2 - 3\/3 - \d+ms \d+ms\/step - val_loss: \d\.\d{4} - val_acc: \d\.\d{4} - loss: \d\.\d{4} - acc: \d\.\d{4}\n$/,
    );
    expect(chunks[3]).toMatch(/^Epoch 2\/2 - 3\/3 /);
    model.dispose();
    tf.dispose([x, y]);
  });

  test('fitDataset with an unknown epoch length learns it after epoch 1; verbose 0 writes nothing', async () => {
    const { x, y } = data();
    const xs = (await x.array()) as number[][];
    const ys = (await y.array()) as number[][];
    // A generator dataset has no known size, so fitDataset cannot tell the callbacks the epoch length.
    const ds = tfd
      .generator(function* () {
        for (let i = 0; i < xs.length; i++) yield { xs: tf.tensor1d(xs[i]), ys: tf.tensor1d(ys[i]) };
      })
      .batch(10);
    const model = tinyModel();
    const { chunks, stream } = fakeStream(false);
    const quiet = fakeStream(true);
    const events: ProgressEvent[] = [];
    await model.fitDataset(ds as never, {
      epochs: 2,
      callbacks: [
        progressBar({ stream, now: fakeClock() }),
        progressBar({ stream: quiet.stream, verbose: 0, refreshMs: 0, onProgress: (e) => events.push(e) }),
      ],
      verbose: 0,
    });
    expect(chunks).toHaveLength(2);
    // The count is known by the end of epoch 1 (4 batches), so even its line shows the total.
    expect(chunks[0]).toMatch(/^Epoch 1\/2 - 4\/4 - /);
    expect(chunks[1]).toMatch(/^Epoch 2\/2 - 4\/4 - /);
    expect(quiet.chunks).toHaveLength(0);
    expect(events.filter((e) => e.type === 'batch').map((e) => e.batches)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      4,
      4,
      4,
    ]);
    model.dispose();
    tf.dispose([x, y]);
  });

  test('formatting helpers and option checks', () => {
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(1.5e-5)).toBe('1.500e-5');
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_340)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4:05');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(() => progressBar({ verbose: 3 as never })).toThrow(InputError);
    expect(() => progressBar({ every: -1 })).toThrow(/progressBar: every: expected an integer >= 0/);
  });
});
