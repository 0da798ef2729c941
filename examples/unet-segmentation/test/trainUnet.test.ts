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
    expect(curves.width).toBeGreaterThan(1000); // two 300-pixel charts side by side, at scale 2
    const masks = await decodeImage(new Uint8Array(readFileSync(r.files.masks)));
    // 8 columns and 3 rows of 96-pixel cells, plus headers and title
    expect(masks.width).toBeGreaterThan(8 * 96);
    expect(masks.height).toBeGreaterThan(3 * 96);
    // the true masks are drawn: pure class colours (red circles, green squares, blue triangles)
    const colours = new Set<string>();
    for (let i = 0; i < masks.data.length; i += 4) colours.add(masks.data.slice(i, i + 3).join(','));
    for (const c of ['230,80,60', '70,170,90', '70,120,230']) expect(colours.has(c), c).toBe(true);
  });
});
