/** Smoke test: two epochs on 32 scenes, then the curves and the mask grid decode at their sizes. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeImage } from '@tiefe/datasets';
import { afterAll, describe, expect, it } from 'vitest';
import { trainUnet } from '../src/trainUnet.js';

const outDir = mkdtempSync(join(tmpdir(), 'tiefe-unet-segmentation-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('examples/unet-segmentation', () => {
  it('trains, scores Dice per epoch and writes curves.png and masks.png (3 rows x 8 scenes)', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const r = await trainUnet({ outDir, train: 32, validation: 8, epochs: 2, log: (l) => lines.push(l) });
    expect(tf.memory().numTensors).toBe(before);
    expect(lines.filter((l) => l.startsWith('epoch '))).toHaveLength(2);
    expect(r.loss).toHaveLength(2);
    expect(r.dice).toHaveLength(2);
    expect(r.perClass).toHaveLength(3);
    for (const d of [...r.dice, ...r.perClass.filter(Number.isFinite)]) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1);
    }
    const curves = await decodeImage(new Uint8Array(readFileSync(r.files.curves)));
    expect([curves.width, curves.height]).toEqual([2 * 340 + 20, 260]);
    const masks = await decodeImage(new Uint8Array(readFileSync(r.files.masks)));
    expect([masks.width, masks.height]).toEqual([4 + 8 * (96 + 4), 4 + 3 * (96 + 4)]);
  });
});
