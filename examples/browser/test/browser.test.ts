// Tiefe in a real browser: Debian's Chromium (installed by scripts/install-browser-deps.sh, which `npm test`'s
// pretest runs when it is missing), headless, driven by playwright-core, WebGPU on SwiftShader. The page is
// bundled from the packages' sources with esbuild for the browser and served from 127.0.0.1 with cross-origin
// isolation (wasm threads). The browser reaches nothing else: the wasm binaries' default location (jsDelivr)
// is answered from node_modules by the test, every other request outside 127.0.0.1 is refused and recorded.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BrowserReport } from '../src/main.js';
import { bundlePage, examplePage, type PageServer, servePage } from '../src/serve.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const alias = Object.fromEntries(
  ['core', 'datasets', 'losses', 'blocks', 'explain'].map((p) => [
    `@tiefe/${p}`,
    join(repo, `packages/${p}/src/index.ts`),
  ]),
);
const chromiumPath = process.env.TIEFE_CHROMIUM || '/usr/bin/chromium';
const wasmPackage = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
const wasmVersion = JSON.parse(readFileSync(wasmPackage, 'utf8')).version as string;
const cdn = `https://cdn.jsdelivr.net/npm/@tensorflow/tfjs-backend-wasm@${wasmVersion}/dist/`;

let browser: Browser;
let server: PageServer;
let bundleWarnings: string[] = [];
let bundleError: string | undefined;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: run \`bash scripts/install-browser-deps.sh\` (or set TIEFE_CHROMIUM)`,
    );
  }
  // A bundling error is reported by the first test (as a failure, not as skipped tests).
  const bundled = await Promise.all([
    examplePage(alias),
    bundlePage(join(repo, 'examples/browser/test/fixtures/missingWasm.ts'), alias),
  ]).catch((e: Error) => {
    bundleError = e.message;
    return undefined;
  });
  if (!bundled) return;
  const [example, fixture] = bundled;
  bundleWarnings = [...example.warnings, ...fixture.warnings];
  server = await servePage({
    ...example.files,
    '/missing-wasm.html': '<!doctype html><script type="module" src="./missing-wasm.js"></script>',
    '/missing-wasm.js': fixture.code,
  });
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--enable-unsafe-webgpu'] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh context whose requests stay on this machine; returns the CDN files it asked for and what was refused. */
async function isolatedContext(): Promise<{ context: BrowserContext; fromCdn: string[]; refused: string[] }> {
  if (!server) throw new Error(`the pages did not bundle: ${bundleError}`);
  const context = await browser.newContext();
  const fromCdn: string[] = [];
  const refused: string[] = [];
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url)) return route.continue();
    const name = url.startsWith(cdn) ? url.slice(cdn.length) : '';
    if (/^tfjs-backend-wasm[a-z-]*\.wasm$/.test(name)) {
      fromCdn.push(name);
      return route.fulfill({
        status: 200,
        headers: { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' },
        contentType: 'application/wasm',
        body: readFileSync(join(dirname(wasmPackage), 'dist', name)),
      });
    }
    refused.push(url);
    return route.abort('blockedbyclient');
  });
  return { context, fromCdn, refused };
}

async function open(context: BrowserContext, path: string) {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}${path}`);
  return page;
}

/** |a - b| <= tol * max(1, |b|), elementwise, with the worst gap in the message. */
function expectClose(a: number[], b: number[], tol: number, what: string) {
  expect(a.length, what).toBe(b.length);
  const gaps = a.map((v, i) => Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i])));
  expect(Math.max(...gaps), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(tol);
}

describe('in Chromium (WebGPU on SwiftShader, wasm with threads)', () => {
  test('every package bundles for the browser with no error and no warning', () => {
    expect(bundleError).toBeUndefined();
    expect(bundleWarnings).toEqual([]);
  });

  test('the example page starts wasm and webgpu with no manual paths and trains a model from each package', async () => {
    const { context, fromCdn, refused } = await isolatedContext();
    const page = await open(context, '');
    const report = (await page.evaluate(() => window.tiefeReport)) as BrowserReport;
    await context.close();
    console.log(
      `browser: ${report.backends.map((b) => `${b.name} ${b.ms} ms`).join(', ')}; wasm threads ${report.wasmThreads}`,
    );
    expect(pageErrors).toEqual([]);
    expect(refused).toEqual([]);
    const [wasm, webgpu, cpu] = report.backends;

    // The default order put SwiftShader behind wasm, which found its binary with no setWasmPaths: the threaded
    // SIMD build, since the page is cross-origin isolated.
    expect(wasm.name).toBe('wasm');
    expect(wasm.skipped).toEqual([
      { name: 'webgpu', reason: expect.stringMatching(/^software adapter \(google, swiftshader\).*tried after wasm$/) },
    ]);
    expect(report.crossOriginIsolated).toBe(true);
    expect(fromCdn).toEqual(['tfjs-backend-wasm-threaded-simd.wasm']);
    // All cores (at most 8), where tfjs alone caps the pool at half of them (1 on 2 cores); the page's own
    // navigator.hardwareConcurrency is left as the browser reports it.
    expect(report.hardwareConcurrency).toBeGreaterThanOrEqual(2);
    expect(report.wasmThreads).toBe(Math.min(report.hardwareConcurrency, 8));
    expect(webgpu.name).toBe('webgpu');
    expect(webgpu.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true });
    expect(cpu.name).toBe('cpu');

    // core + datasets: the dense classifier fitted on wasm with earlyStopping learns the synthetic shapes.
    const { loss, acc } = report.fit;
    expect(loss.length).toBeGreaterThanOrEqual(4);
    expect(loss.at(-1)).toBeLessThan(0.6 * loss[0]);
    expect(acc.at(-1)).toBeGreaterThan(0.5);
    // Each model's loss falls over wasm's 8 SGD steps.
    for (const [model, losses] of Object.entries(wasm.losses)) {
      expect(losses, model).toHaveLength(8);
      expect(losses.at(-1), `${model}: ${losses}`).toBeLessThan(losses[0]);
      for (const v of losses) expect(Number.isFinite(v), model).toBe(true);
    }
    // The same seeded models and batches give the same losses and LRP maps on wasm, webgpu and cpu.
    for (const other of [webgpu, cpu]) {
      for (const model of ['dense', 'smallCnn', 'unetDice'] as const) {
        expectClose(wasm.losses[model].slice(0, 2), other.losses[model], 1e-4, `${model} on ${other.name}`);
      }
      const scale = Math.max(...cpu.lrpMap.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      expectClose(
        wasm.lrpMap.map((v) => v / scale),
        other.lrpMap.map((v) => v / scale),
        1e-3,
        `LRP on ${other.name}`,
      );
    }
    // No tensor outlives its model, on any backend.
    for (const b of report.backends) expect(b.tensorsAfter, b.name).toBe(b.tensorsBefore);
  });

  test('a wasm binary that does not load: the error names the file and URL and how to fix it', async () => {
    const { context, refused } = await isolatedContext();
    const page = await open(context, 'missing-wasm.html');
    const got = await page.evaluate(() => window.tiefeMissingWasm);
    await context.close();
    expect(refused).toEqual([]);
    const file = 'tfjs-backend-wasm-threaded-simd.wasm';
    const expected =
      `wasm: could not load ${file} from ${server.url}no-such-folder/${file} (HTTP 404 Not Found). ` +
      'The binaries ship in node_modules/@tensorflow/tfjs-backend-wasm/dist/; serve that folder and pass its ' +
      "URL, initBackend({ wasmPaths: '/assets/tfjs-wasm/' }), or a URL for each binary. tfjs cannot retry a " +
      'failed wasm start: reload the page after fixing it.';
    expect(got?.fallback).toEqual({ name: 'cpu', adapter: undefined, skipped: [{ name: 'wasm', reason: expected }] });
    // Asked again, it says the same at once instead of waiting forever on tfjs.
    expect(got?.again).toBe(`BackendError: no backend could be started: wasm: ${expected}`);
    expect(got?.againMs).toBeLessThan(1000);
  });
});
