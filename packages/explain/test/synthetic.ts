import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '@tiefe/core';

/** The two 4 x 4 patterns of the synthetic task, 8 lit pixels each: an X (class 0) and two bars (class 1). */
export const PATTERNS = [
  ['#..#', '.##.', '.##.', '#..#'],
  ['####', '....', '....', '####'],
];
export const SIZE = 16;

/**
 * n images of 16 x 16 with N(0, 0.15^2) background noise and one pattern (the class) at a uniform random
 * position; returns the images, labels and the pattern boxes [top, left] (4 x 4).
 */
export function syntheticTask(
  n: number,
  seedValue: number,
): { x: tf.Tensor4D; labels: number[]; boxes: Array<[number, number]> } {
  const rng = createRng(seedValue);
  const data = new Float32Array(n * SIZE * SIZE);
  const labels: number[] = [];
  const boxes: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < SIZE * SIZE; p++) data[i * SIZE * SIZE + p] = 0.15 * rng.normal();
    const c = rng.int(2);
    const top = rng.int(SIZE - 3);
    const left = rng.int(SIZE - 3);
    PATTERNS[c].forEach((row, dy) => {
      for (let dx = 0; dx < 4; dx++) if (row[dx] === '#') data[i * SIZE * SIZE + (top + dy) * SIZE + left + dx] += 1;
    });
    labels.push(c);
    boxes.push([top, left]);
  }
  return { x: tf.tensor4d(data, [n, SIZE, SIZE, 1]), labels, boxes };
}

/** A small CNN for the synthetic task: conv-relu-maxpool, conv-relu, global max pool, dense. */
export function syntheticCnn(): tfl.LayersModel {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [SIZE, SIZE, 1],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.globalMaxPooling2d({}),
      tfl.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
}

/** Fraction of maps whose maximum (summed over channels) lies inside the pattern's 4 x 4 box. */
export async function pointingGame(maps: tf.Tensor, boxes: Array<[number, number]>): Promise<number> {
  const d = await maps.data();
  let hits = 0;
  boxes.forEach(([top, left], i) => {
    let best = -Infinity;
    let at = 0;
    for (let p = 0; p < SIZE * SIZE; p++) {
      const v = d[i * SIZE * SIZE + p];
      if (v > best) {
        best = v;
        at = p;
      }
    }
    const [y, x] = [Math.floor(at / SIZE), at % SIZE];
    if (y >= top && y < top + 4 && x >= left && x < left + 4) hits++;
  });
  return hits / boxes.length;
}
