/**
 * The gallery's one server module, used by `npm run gallery` and by the Playwright test: bundles every page's
 * program with esbuild (one entry per page, shared chunks split out) from the packages' sources, and serves the
 * pages on 127.0.0.1 with the cross-origin isolation headers that wasm threads need (SharedArrayBuffer), the
 * wasm binaries from node_modules at {@link WASM_PATH} (no CDN) and the MNIST IDX files at {@link MNIST_PATH}.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { PAGES, pageHtml } from './pages.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(root, '..', '..');

/** Where the pages fetch tfjs's wasm binaries (served from `@tensorflow/tfjs-backend-wasm/dist/`). */
export const WASM_PATH = '/tfjs-wasm/';
/** Where the pages fetch the MNIST IDX files (`t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`). */
export const MNIST_PATH = '/data/mnist/';

/** `@tiefe/<pkg>` -> `packages/<pkg>/src/index.ts` for every package with sources: no build needed. */
export function sourceAliases(): Record<string, string> {
  const dir = join(repo, 'packages');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((p) => existsSync(join(dir, p, 'src', 'index.ts')))
      .map((p) => [`@tiefe/${p}`, join(dir, p, 'src', 'index.ts')]),
  );
}

/** The bundled gallery: path => content, and esbuild's formatted warnings. */
export interface GalleryBundle {
  files: Record<string, string | Uint8Array>;
  warnings: string[];
}

/** Bundles every page (ES modules, ES2022, code splitting) and renders the HTML pages. */
export async function bundleGallery(alias: Record<string, string> = sourceAliases()): Promise<GalleryBundle> {
  const result = await esbuild.build({
    entryPoints: PAGES.map((p) => ({ in: join(root, 'src', 'pages', `${p.id}.ts`), out: p.id })),
    bundle: true,
    splitting: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outdir: join(root, 'out-bundle'),
    write: false,
    alias,
    logLevel: 'silent',
  });
  const files: Record<string, string | Uint8Array> = {};
  for (const f of result.outputFiles) files[`/${basename(f.path)}`] = f.text;
  files['/index.html'] = pageHtml(undefined);
  for (const p of PAGES) files[`/${p.id}.html`] = pageHtml(p.id);
  const warnings = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
  return { files, warnings };
}

/** A running gallery server. */
export interface GalleryServer {
  url: string;
  close: () => Promise<void>;
}

/** Options of {@link serveGallery}. */
export interface ServeOptions {
  /** Port (default 0: a free one). */
  port?: number;
  /** Folder of the MNIST IDX files served at {@link MNIST_PATH} (default `../shared/data/mnist`). */
  mnistDir?: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  wasm: 'application/wasm',
  gz: 'application/gzip',
};

/** The folder of tfjs's wasm binaries in node_modules. */
export function wasmDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

/**
 * Serves `files` on 127.0.0.1 only (`/` is `/index.html`), plus the wasm binaries and the MNIST files. Every
 * response carries `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`.
 */
export async function serveGallery(
  files: Record<string, string | Uint8Array>,
  options: ServeOptions = {},
): Promise<GalleryServer> {
  const mnistDir = options.mnistDir ?? join(repo, '..', 'shared', 'data', 'mnist');
  const wasm = wasmDir();
  const server = createServer(async (req, res) => {
    const asked = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const path = asked === '/' ? '/index.html' : asked;
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    const ext = path.split('.').pop() ?? '';
    let body: string | Uint8Array | undefined = files[path];
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (body === undefined && path.startsWith(WASM_PATH) && /^tfjs-backend-wasm[a-z-]*\.wasm$/.test(name)) {
      body = await readFile(join(wasm, name)).catch(() => undefined);
    }
    if (body === undefined && path.startsWith(MNIST_PATH) && /^[a-z0-9-]+-ubyte(\.gz)?$/.test(name)) {
      body = await readFile(join(mnistDir, name)).catch(() => undefined);
    }
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[ext] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { files, warnings } = await bundleGallery();
  for (const w of warnings) console.warn(w);
  const server = await serveGallery(files, { port: Number(process.env.PORT ?? 8080), mnistDir: process.env.MNIST_DIR });
  console.log(`Tiefe gallery: open ${server.url} (Ctrl-C stops)`);
}
