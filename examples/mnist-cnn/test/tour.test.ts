/**
 * Smoke test of the `npm start` tour at a small size: it trains, evaluates, explains and writes report.json and
 * one self-contained report.html whose numbers are report.json's.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickDigits } from '../src/explainDigits.js';
import { inlineSvg } from '../src/html.js';
import { runTour, type TourReport } from '../src/tour.js';

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'tiefe-mnist-cnn-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const VOID = new Set(['meta', 'img', 'br', 'hr', 'link', 'input', 'col', 'source', 'wbr']);

/** Checks that every tag is closed in order (void and self-closed tags aside); returns the tag names seen. */
function checkTags(html: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:.-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>/g;
  const body = html.replace(/^<!DOCTYPE html>/i, '').replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  let rest = body;
  for (const m of body.matchAll(tag)) {
    rest = rest.replace(m[0], '');
    const [, close, rawName, , self] = m;
    const name = rawName.toLowerCase();
    seen.push(name);
    if (close) {
      expect(stack.pop(), `closing </${name}>`).toBe(name);
    } else if (!self && !VOID.has(name)) stack.push(name);
  }
  expect(stack, 'unclosed tags').toEqual([]);
  expect(rest.includes('<'), 'a "<" outside any tag').toBe(false);
  return seen;
}

/** The cells of table `id`, row by row (header row included), as text. */
function tableCells(html: string, id: string): string[][] {
  const m = html.match(new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`));
  expect(m, `table #${id}`).not.toBeNull();
  return [...(m?.[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]),
  );
}

describe('examples/mnist-cnn tour', () => {
  let report: TourReport;
  let html: string;
  const lines: string[] = [];
  let tensorsBefore = 0;
  let tensorsAfter = 0;

  beforeAll(async () => {
    tensorsBefore = tf.memory().numTensors;
    report = await runTour({
      mnistDir: MNIST_DIR,
      outDir,
      epochs: 1,
      limit: 1000,
      explain: 3,
      smoothGradSamples: 4,
      progress: null,
      log: (l) => lines.push(l),
    });
    tensorsAfter = tf.memory().numTensors;
    html = readFileSync(join(outDir, 'report.html'), 'utf8');
  });

  it('trains on 1,000 real digits, writes report.json and a checkpoint, and leaks no tensor', () => {
    expect(tensorsAfter).toBe(tensorsBefore);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(report.source).toContain('MNIST test digits');
    expect([report.train, report.test, report.epochs]).toEqual([800, 200, 1]);
    expect(['webgpu', 'wasm', 'cpu']).toContain(report.backend);
    // 12 steps on 720 digits (0.55 measured): well above chance (0.1), far from the full run's 98%.
    expect(report.accuracy).toBeGreaterThan(0.3);
    expect(readdirSync(join(outDir, 'checkpoint')).length).toBeGreaterThan(0);
    expect(readdirSync(outDir).sort()).toEqual(['checkpoint', 'report.html', 'report.json']); // no temporary files
  });

  it('prints every part as it starts and with its time, and the parts add up in report.json', () => {
    const names = ['backend', 'data', 'training', 'evaluation', 'explanation', 'report'];
    expect(report.parts.map((p) => p.name)).toEqual(names);
    names.forEach((name, i) => {
      expect(lines).toContain(`[${i + 1}/6] ${name} ...`);
      const done = lines.find((l) => l.startsWith(`[${i + 1}/6] ${name} done in `));
      expect(done).toBe(`[${i + 1}/6] ${name} done in ${report.parts[i].seconds.toFixed(1)} s`);
    });
    expect(lines.indexOf('[3/6] training ...')).toBeLessThan(lines.indexOf('[4/6] evaluation ...'));
  });

  it('records training curves: points through each epoch and the validation numbers', () => {
    const { batches, epochs } = report.history;
    expect(epochs).toHaveLength(1);
    expect(epochs[0].epoch).toBe(1);
    // 720 training digits, batch 64: 12 batches, a point every round(12 / 10) = 1 batch.
    expect(batches.map((b) => b.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) / 12));
    for (const b of batches) expect(b.loss).toBeGreaterThan(0);
    // The epoch's loss is the sample-weighted mean of the batch losses (the last batch has 16 digits).
    const weighted = batches.reduce((a, b, i) => a + b.loss * (i === 11 ? 16 : 64), 0) / 720;
    expect(epochs[0].loss).toBeCloseTo(weighted, 4);
    expect(epochs[0].valAccuracy).toBeGreaterThan(0.1);
  });

  it('derives the per-class report from the confusion matrix (hand computation)', () => {
    const m = report.confusion;
    const total = m.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(report.test);
    expect(report.accuracy).toBeCloseTo(m.reduce((a, r, i) => a + r[i], 0) / total, 12);
    report.classes.forEach((c, i) => {
      const tp = m[i][i];
      const predicted = m.reduce((a, r) => a + r[i], 0);
      const support = m[i].reduce((a, b) => a + b, 0);
      expect(c.support).toBe(support);
      expect(c.precision).toBeCloseTo(predicted === 0 ? 0 : tp / predicted, 12);
      expect(c.recall).toBeCloseTo(tp / support, 12);
    });
    expect(report.testCounts).toEqual(m.map((r) => r.reduce((a, b) => a + b, 0)));
  });

  it('explains a few digits, the most confident mistake among them', () => {
    expect(report.explained).toHaveLength(3);
    const [a, b, wrong] = report.explained;
    expect([a.truth === a.predicted, b.truth === b.predicted, wrong.truth === wrong.predicted]).toEqual([
      true,
      true,
      false,
    ]);
    expect(a.truth).not.toBe(b.truth);
  });

  it('writes one well-formed, self-contained HTML page with every section and chart', () => {
    const tags = checkTags(html);
    for (const id of ['backend', 'data', 'training', 'evaluation', 'explanation', 'report']) {
      expect(html).toContain(`<section id="${id}">`);
    }
    expect(html).not.toMatch(/https?:\/\//);
    expect(tags).not.toContain('script');
    expect(tags).not.toContain('link');
    const svgs = [...html.matchAll(/<svg\b[^>]*>([\s\S]*?)<\/svg>/g)];
    expect(svgs).toHaveLength(7); // samples, counts, loss, accuracy, confusion, per-class, heatmaps
    for (const [, inner] of svgs) expect(inner).toMatch(/<(path|rect|text|image|g)\b/);
    // Images: PNG data URIs (the digit grids), each a real PNG.
    const images = [...html.matchAll(/(?:href|src)="data:image\/png;base64,([^"]*)"/g)].map((m) => m[1]);
    // Sample grid 3 x 10, heatmaps 3 x 3 (one data URI per cell).
    expect(images.length).toBeGreaterThanOrEqual(39);
    for (const b64 of images) expect([...Buffer.from(b64, 'base64').subarray(1, 4)]).toEqual([80, 78, 71]); // 'PNG'
  });

  it('shows report.json numbers: accuracy, per-class table, confusion matrix, epochs, times', () => {
    expect(html).toContain(`<b id="accuracy">${(report.accuracy * 100).toFixed(2)}%</b>`);
    const shown = (id: string) =>
      Number(html.match(new RegExp(`<span id="${id}">([\\d,]+)</span>`))?.[1].replace(/,/g, ''));
    expect([shown('train-count'), shown('test-count')]).toEqual([report.train, report.test]);
    const perClass = tableCells(html, 'per-class').slice(1);
    expect(perClass).toHaveLength(report.classes.length + 2);
    const rows = [
      ...report.classes,
      { name: 'macro avg', ...report.macro },
      { name: 'weighted avg', ...report.weighted },
    ];
    rows.forEach((c, i) => {
      const [name, p, r, f1, support] = perClass[i];
      expect(name).toBe(c.name);
      expect([Number(p), Number(r), Number(f1)]).toEqual(
        [c.precision, c.recall, c.f1].map((v) => Number(v.toFixed(3))),
      );
      expect(Number(support)).toBe(c.support);
    });
    const confusion = tableCells(html, 'confusion')
      .slice(1)
      .map((r) => r.slice(1).map(Number));
    expect(confusion).toEqual(report.confusion);
    expect(confusion.flat().reduce((a, b) => a + b, 0)).toBe(report.test);
    const epochs = tableCells(html, 'epochs').slice(1);
    expect(epochs.map((r) => r.slice(1).map(Number))).toEqual(
      report.history.epochs.map((e) => [e.loss, e.accuracy, e.valLoss, e.valAccuracy].map((v) => Number(v.toFixed(4)))),
    );
    const times = tableCells(html, 'times').slice(1, -1);
    expect(times.map((r) => [r[0], Number(r[1])])).toEqual(
      report.parts.map((p) => [p.name, Number(p.seconds.toFixed(1))]),
    );
  });
});

describe('runTour: bad options', () => {
  it('names the option and what it expected, before any work', async () => {
    const base = { mnistDir: MNIST_DIR, outDir: join(outDir, 'never'), log: () => {} };
    await expect(runTour({ ...base, epochs: 0 })).rejects.toThrow(/runTour: epochs.*integer >= 1/);
    await expect(runTour({ ...base, explain: 1 })).rejects.toThrow(/runTour: explain.*integer >= 2/);
    await expect(runTour({ ...base, limit: Number.NaN })).rejects.toThrow(/runTour: limit/);
  });
});

describe('pickDigits', () => {
  it('takes correct digits of distinct classes in order, then the most confident mistake', () => {
    // 6 digits, 3 classes; rows are probabilities.
    const truth = [0, 0, 1, 2, 2, 1];
    const p = Float32Array.from([
      ...[0.9, 0.05, 0.05], // 0 right
      ...[0.8, 0.1, 0.1], // 0 right (class seen)
      ...[0.6, 0.3, 0.1], // 1 -> 0, wrong (0.6)
      ...[0.1, 0.1, 0.8], // 2 right
      ...[0.05, 0.9, 0.05], // 2 -> 1, wrong (0.9): the most confident mistake
      ...[0.2, 0.7, 0.1], // 1 right
    ]);
    expect(pickDigits(truth, p, 3, 3).map((d) => [d.index, d.truth, d.predicted])).toEqual([
      [0, 0, 0],
      [3, 2, 2],
      [4, 2, 1],
    ]);
    expect(pickDigits(truth, p, 3, 3)[2].confidence).toBeCloseTo(0.9, 6);
    // No mistake: all `count` digits are correct ones.
    expect(pickDigits([0, 1], Float32Array.from([1, 0, 0, 1]), 2, 2).map((d) => d.index)).toEqual([0, 1]);
  });
});

describe('inlineSvg', () => {
  it('drops the XML prolog and namespace declarations, nothing else', () => {
    const svg =
      '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="2"><g/></svg>';
    expect(inlineSvg(svg)).toBe('<svg width="2"><g/></svg>');
  });
});
