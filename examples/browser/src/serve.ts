/**
 * `npm start`: bundles the page's program (src/main.ts) for the browser with esbuild, the way an app's bundler
 * takes Tiefe's packages, and serves it on http://127.0.0.1:8080 with the cross-origin isolation headers that
 * wasm threads need (SharedArrayBuffer). Open the address in Chrome or Edge (WebGPU) or any browser (wasm).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A bundled page script and what esbuild said about it. */
export interface PageBundle {
  code: string;
  warnings: string[];
}

/**
 * Bundles `entry` for the browser (ES module, ES2022). `alias` maps package names to files (the tests map
 * `@tiefe/*` to each package's `src/index.ts`, so no build is needed); without it packages resolve as an app's
 * would, from node_modules. Errors throw; warnings are returned, formatted.
 */
export async function bundlePage(entry: string, alias?: Record<string, string>): Promise<PageBundle> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    alias,
    logLevel: 'silent',
  });
  const warnings = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
  return { code: result.outputFiles[0].text, warnings };
}

/** A running page server. */
export interface PageServer {
  url: string;
  close: () => Promise<void>;
}

/**
 * Serves `files` (path => content) on 127.0.0.1 only, at `port` (0: a free one), `/` being `/index.html`. Every
 * response carries `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`,
 * which make the page cross-origin isolated.
 */
export async function servePage(files: Record<string, string>, port = 0): Promise<PageServer> {
  const types: Record<string, string> = { html: 'text/html', js: 'text/javascript' };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files[path === '/' ? '/index.html' : path];
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    const ext = path.split('.').pop() ?? '';
    res.writeHead(200, { 'Content-Type': `${types[ext] ?? 'text/html'}; charset=utf-8` }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The example page: index.html and its bundled program. */
export async function examplePage(
  alias?: Record<string, string>,
): Promise<{ files: Record<string, string> } & PageBundle> {
  const bundle = await bundlePage(join(root, 'src', 'main.ts'), alias);
  const html = await readFile(join(root, 'index.html'), 'utf8');
  return { ...bundle, files: { '/index.html': html, '/main.js': bundle.code } };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, warnings } = await examplePage();
  for (const w of warnings) console.warn(w);
  const server = await servePage(files, Number(process.env.PORT ?? 8080));
  console.log(`Tiefe in the browser: open ${server.url} (Ctrl-C stops)`);
}
