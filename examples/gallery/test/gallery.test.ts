// The gallery in a real browser: Debian's Chromium (installed by scripts/install-browser-deps.sh, which `npm
// test`'s pretest runs when it is missing), headless, driven by playwright-core, WebGPU on SwiftShader. The
// pages are bundled from the packages' sources by the gallery's own server module (src/serve.ts), served on
// 127.0.0.1 with cross-origin isolation, the wasm binaries and the MNIST files; every other request is refused.
// Each page is opened with ?backend=webgpu (the test asserts WebGPU ran) and ?steps=N (a few steps), trained,
// checked on the numbers it reports, and kept as a screenshot in test-results/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleGallery, type GalleryServer, serveGallery } from '../src/serve.js';
import type { PageReport } from '../src/ui/report.js';

const here = fileURLToPath(new URL('..', import.meta.url));
const shots = join(here, 'test-results');
const chromiumPath = process.env.TIEFE_CHROMIUM || '/usr/bin/chromium';
/** Longest wait for one page's work: generous, since SwiftShader's WebGPU slows down sharply on a busy machine. */
const WAIT = 240_000;

let browser: Browser;
let server: GalleryServer;
let bundleError: string | undefined;
let bundleWarnings: string[] = [];
const refused: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: run \`bash scripts/install-browser-deps.sh\` (or set TIEFE_CHROMIUM)`,
    );
  }
  mkdirSync(shots, { recursive: true });
  const bundle = await bundleGallery().catch((e: Error) => {
    bundleError = e.message;
    return undefined;
  });
  if (!bundle) return;
  bundleWarnings = bundle.warnings;
  server = await serveGallery(bundle.files);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--enable-unsafe-webgpu'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens a page in a fresh context that reaches only the gallery's server; waits until its backend is up. */
async function open(path: string): Promise<Page> {
  if (!server) throw new Error(`the gallery did not bundle: ${bundleError}`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url)) return route.continue();
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  await page.goto(`${server.url}${path}`);
  await page.waitForFunction(() => window.__tiefe && window.__tiefe.state !== 'starting', null, { timeout: WAIT });
  return page;
}

const report = (page: Page) => page.evaluate(() => window.__tiefe as PageReport);

/** Clicks `id` and waits until the page's task has ended; returns the report (errors fail here). */
async function run(page: Page, id: string, timeout = WAIT): Promise<PageReport> {
  await page.click(`#${id}`);
  await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(window.__tiefe?.state ?? ''), null, {
    timeout,
  });
  const r = await report(page);
  expect(r.error).toBeUndefined();
  return r;
}

/** Pixel standard deviation (0..255, over RGB) of a canvas, or of every canvas and svg chart's canvas of `selector`. */
function canvasSpread(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement | null;
    if (!c) return -1;
    const { data } = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height);
    let sum = 0;
    let sq = 0;
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
      for (let k = 0; k < 3; k++) {
        sum += data[i + k];
        sq += data[i + k] ** 2;
        n++;
      }
    return Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2));
  }, selector);
}

/** Share of a canvas's pixels that are drawn (opaque): 1 once an image was put on it, 0 while it is empty. */
function canvasPainted(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement | null;
    if (!c) return -1;
    const { data } = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height);
    let opaque = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] === 255) opaque++;
    return opaque / (data.length / 4);
  }, selector);
}

/** Number of drawn marks (paths) in a chart's SVG: 0 when the chart did not render. */
function chartMarks(page: Page, id: string): Promise<number> {
  return page.evaluate((i) => document.querySelectorAll(`#${i} svg path, #${i} svg rect`).length, id);
}

async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  await page.context().close();
}

function expectWebgpu(r: PageReport) {
  expect(r.backend).toBe('webgpu');
  expect(r.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader' });
  expect(r.notice).toMatch(/^WebGPU on a software adapter \(google, swiftshader\)/);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('the gallery in Chromium (WebGPU on SwiftShader)', { timeout: 2 * WAIT }, () => {
  test('every page bundles with no error and no warning', () => {
    expect(bundleError).toBeUndefined();
    expect(bundleWarnings).toEqual([]);
  });

  test('the default backend: wasm over a software WebGPU adapter, with the notice that says why', async () => {
    const page = await open('backend.html');
    const r = await report(page);
    expect(r.backend).toBe('wasm');
    expect(r.notice).toBe('WebGPU adapter is a software one (google, swiftshader): using wasm');
    await page.context().close();
  });

  test('classify: the CNN trains on real digits, a drawn digit is predicted and explained', async () => {
    const page = await open('classify.html?backend=webgpu&steps=4&batch=8&heldOut=50');
    expectWebgpu(await report(page));
    expect(await page.textContent('#data-source')).toContain('MNIST t10k');
    const r = await run(page, 'start');
    expect(r.state).toBe('done');
    const losses = r.numbers.losses as number[];
    expect(losses).toHaveLength(4);
    expect(mean(losses.slice(-2))).toBeLessThan(mean(losses.slice(0, 2)));
    const cm = r.numbers.confusion as number[][];
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(50);
    // draw a stroke on the pad: releasing it predicts and explains
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const box = await page.locator('#pad').boundingBox();
    if (!box) throw new Error('no drawing pad');
    await page.mouse.move(box.x + 98, box.y + 30);
    await page.mouse.down();
    await page.mouse.move(box.x + 100, box.y + 100, { steps: 8 });
    await page.mouse.move(box.x + 102, box.y + 170, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => window.__tiefe?.numbers.prediction !== undefined, null, { timeout: WAIT });
    const { prediction } = (await report(page)).numbers as { prediction: { digit: number; probabilities: number[] } };
    expect(prediction.digit).toBeGreaterThanOrEqual(0);
    expect(mean(prediction.probabilities) * 10).toBeCloseTo(1, 4);
    expect(await canvasSpread(page, '#pad')).toBeGreaterThan(10);
    expect(await canvasSpread(page, '#lrp')).toBeGreaterThan(1);
    expect(await canvasSpread(page, '#smoothgrad')).toBeGreaterThan(1);
    for (const chart of ['curves', 'confusion', 'probabilities'])
      expect(await chartMarks(page, chart)).toBeGreaterThan(5);
    await screenshot(page, 'classify');
  });

  test('segment: the U-Net trains until Stop is pressed, Dice per class is reported, masks are drawn', async () => {
    const page = await open('segment.html?backend=webgpu&steps=200&batch=2');
    expectWebgpu(await report(page));
    await page.click('#start');
    await page.waitForFunction(() => (window.__tiefe?.progress.done ?? 0) >= 2, null, { timeout: WAIT });
    await page.click('#stop');
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(window.__tiefe?.state ?? ''), null, {
      timeout: WAIT,
    });
    const r = await report(page);
    expect(r.error).toBeUndefined();
    expect(r.state).toBe('stopped');
    // the model and its optimizer are disposed when the run ends, stopped or not
    expect(r.tensors?.after).toBe(r.tensors?.before);
    const losses = r.numbers.losses as number[];
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect(losses.length).toBeLessThan(200);
    expect(r.progress.done).toBe(losses.length);
    expect(losses.at(-1)).toBeLessThan(losses[0]);
    // Dice of the untrained net, then after the last step taken: [step, background, circle, square, triangle]
    const dice = r.numbers.dice as number[][];
    expect(dice[0][0]).toBe(0);
    expect(dice.at(-1)?.[0]).toBe(losses.length);
    for (const d of dice) for (const v of d.slice(1)) expect(v).toBeGreaterThanOrEqual(0);
    for (const id of ['image-0', 'truth-0']) expect(await canvasSpread(page, `#${id}`)).toBeGreaterThan(5);
    // after a few steps the prediction may still be one class everywhere: drawn, not necessarily varied
    for (let s = 0; s < 4; s++) expect(await canvasPainted(page, `#pred-${s}`)).toBe(1);
    for (const chart of ['loss-chart', 'dice-chart']) expect(await chartMarks(page, chart)).toBeGreaterThan(5);
    await screenshot(page, 'segment');
  });

  test('generate: the VAE and the cGAN train, samples, the latent walk and digits by class are drawn', async () => {
    const page = await open('generate.html?backend=webgpu&steps=3');
    expectWebgpu(await report(page));
    const r = await run(page, 'start');
    expect(r.state).toBe('done');
    const { vaeLoss, dLoss, gLoss } = r.numbers as Record<string, number[]>;
    expect(vaeLoss).toHaveLength(3);
    expect(vaeLoss[2]).toBeLessThan(vaeLoss[0]);
    expect(dLoss).toHaveLength(3);
    expect(gLoss).toHaveLength(3);
    for (const v of [...dLoss, ...gLoss]) expect(Number.isFinite(v)).toBe(true);
    const before = await canvasSpread(page, '#vae-walk');
    expect(before).toBeGreaterThan(5);
    await page.locator('#walk').fill('1');
    await page.waitForFunction(() => window.__tiefe?.numbers.walk === 1, null, { timeout: WAIT });
    for (const id of ['vae-samples', 'vae-walk', 'gan-digits'])
      expect(await canvasSpread(page, `#${id}`)).toBeGreaterThan(5);
    await screenshot(page, 'generate');
  });

  test('sequence: the char LM learns and writes at a temperature; LSTM and SimpleRNN race on adding', async () => {
    const page = await open('sequence.html?backend=webgpu&steps=3&race=2');
    expectWebgpu(await report(page));
    let r = await run(page, 'start');
    const bits = r.numbers.bits as number[];
    expect(bits).toHaveLength(3);
    expect(bits[2]).toBeLessThan(bits[0]);
    await page.locator('#temperature').fill('1.5');
    r = await run(page, 'write');
    const sample = r.numbers.sample as { temperature: number; tokens: number; text: string };
    expect(sample.temperature).toBe(1.5);
    expect(sample.tokens).toBe(160);
    expect(sample.text.startsWith('B')).toBe(true);
    expect(await page.textContent('#sample')).toContain(sample.text);
    r = await run(page, 'race');
    const { lstm, simpleRnn } = r.numbers.adding as Record<string, number[]>;
    expect(lstm).toHaveLength(2);
    expect(simpleRnn).toHaveLength(2);
    for (const v of [...lstm, ...simpleRnn]) expect(v).toBeGreaterThan(0);
    expect(r.tensors?.after).toBe(r.tensors?.before);
    for (const chart of ['lm-chart', 'adding-chart']) expect(await chartMarks(page, chart)).toBeGreaterThan(5);
    await screenshot(page, 'sequence');
  });

  test('continual: both accuracy matrices fill in; naive forgets the first digits, replay keeps more', async () => {
    const page = await open('continual.html?backend=webgpu');
    expectWebgpu(await report(page));
    const r = await run(page, 'start');
    expect(r.state).toBe('done');
    const { matrix, averageAccuracy } = r.numbers as {
      matrix: Record<string, number[][]>;
      averageAccuracy: Record<string, number>;
    };
    for (const m of Object.values(matrix)) {
      expect(m).toHaveLength(5);
      for (const rowValues of m) expect(rowValues).toHaveLength(5);
      // the diagonal: each experience is learnt when it is trained on
      for (let i = 0; i < 5; i++) expect(m[i][i]).toBeGreaterThan(0.5);
    }
    // naive fine-tuning on digits 8,9 forgets 0,1 almost entirely; replay keeps some of them
    expect(matrix.naive[4][0]).toBeLessThan(0.2);
    expect(matrix.replay[4][0]).toBeGreaterThan(matrix.naive[4][0] + 0.2);
    expect(averageAccuracy.replay).toBeGreaterThan(averageAccuracy.naive + 0.1);
    expect(r.tensors?.after).toBe(r.tensors?.before);
    for (const chart of ['matrix-naive', 'matrix-replay']) expect(await chartMarks(page, chart)).toBeGreaterThan(20);
    await screenshot(page, 'continual');
  });

  test('backends: the adapter is described and every backend is probed', async () => {
    const page = await open('backend.html?steps=3');
    const r = await run(page, 'start');
    expect(r.numbers.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true });
    const probes = r.numbers.probes as Array<{ backend: string; op: string; ms: number; gflops: number }>;
    expect(probes.map((p) => `${p.backend} ${p.op}`)).toEqual([
      'webgpu matMul',
      'webgpu conv2d',
      'wasm matMul',
      'wasm conv2d',
      'cpu matMul',
      'cpu conv2d',
    ]);
    for (const p of probes) expect(p.gflops).toBeGreaterThan(0);
    expect(r.tensors?.after).toBe(r.tensors?.before);
    // the page went back to its own backend afterwards
    expect(await page.evaluate(() => window.__tiefe?.backend)).toBe('wasm');
    for (const chart of ['matmul-chart', 'conv-chart']) expect(await chartMarks(page, chart)).toBeGreaterThan(3);
    await screenshot(page, 'backend');
  });

  test('no page error and no request outside the gallery', () => {
    expect(pageErrors).toEqual([]);
    expect(refused).toEqual([]);
  });
});
