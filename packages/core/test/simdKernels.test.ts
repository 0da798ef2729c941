// Tiefe's wasm SIMD modules (assembly/kernels.ts, assembly/winograd.ts): the committed binaries are the
// sources', each module is self-contained, and each kernel matches tfjs's cpu backend at channel counts around the 4-lane width (tails included),
// after the heap grows, and in the shared-memory build.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { filterGradRoute } from '../src/backend/kernels/wasm/convBackprop.js';
import { productsBinary } from '../src/backend/kernels/wasm/productsBinary.js';
import { simdBinary } from '../src/backend/kernels/wasm/simdBinary.js';
import { heapOffset, simdKernels } from '../src/backend/kernels/wasm/simdKernels.js';
import { winogradBinary } from '../src/backend/kernels/wasm/winogradBinary.js';
import { winogradGradBinary } from '../src/backend/kernels/wasm/winogradGradBinary.js';
import { createRng, initBackend } from '../src/index.js';

const rng = createRng(7);
const randomArray = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** Runs `f` on cpu and on wasm; checks that neither leaks a tensor or a backend buffer; returns both values. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const run = async (name: string) => {
    await tf.setBackend(name);
    const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
    const outs = tf.tidy(f);
    const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outs);
    expect(tf.memory().numTensors, `${name}: tensors leaked`).toBe(tensors);
    expect(tf.backend().numDataIds(), `${name}: backend buffers leaked`).toBe(buffers);
    return values;
  };
  return { cpu: await run('cpu'), wasm: await run('wasm') };
}

function expectClose(got: Float32Array, want: Float32Array, what: string, tol = 1e-5): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  expect(scale, `${what}: signal`).toBeGreaterThan(0);
  expect(worst, `${what}: max abs error`).toBeLessThanOrEqual(tol * (1 + scale));
}

describe('the SIMD module', () => {
  test('the committed binaries are what assembly/kernels.ts, winograd.ts and products.ts compile to', () => {
    const script = fileURLToPath(new URL('../scripts/build-simd.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.stderr, 'build-simd --check').toBe('');
    expect(run.status).toBe(0);
  });

  test('each module imports only a memory, exports only its kernels, and stays under 4 KB (sync compile allowed)', () => {
    const modules: Array<[{ plain: string; shared: string }, string[]]> = [
      [
        simdBinary,
        [
          'maxPoolGrad',
          'avgPoolGrad',
          'sumLeading',
          'filterPatchesT',
          'swapAxes',
          'copyRuns',
          'batchNormRows',
          'col2im',
        ],
      ],
      [winogradBinary, ['winogradInput', 'winogradFilter', 'winogradOutput']],
      [productsBinary, ['matMulRows', 'matMulBatch', 'im2col']],
      [winogradGradBinary, ['winogradGradTiles', 'winogradGradFilter']],
    ];
    for (const [binary, kernels] of modules) {
      for (const [name, b64] of Object.entries(binary)) {
        const module = new WebAssembly.Module(bytes(b64));
        expect(bytes(b64).length, name).toBeLessThan(4096);
        expect(WebAssembly.Module.imports(module), name).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
        expect(
          WebAssembly.Module.exports(module).map((e) => `${e.kind} ${e.name}`),
          name,
        ).toEqual(kernels.map((k) => `function ${k}`));
      }
    }
  });

  test('the shared-memory build (for the threaded tfjs binary) sums like the plain one', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    const k = new WebAssembly.Instance(new WebAssembly.Module(bytes(simdBinary.shared)), { env: { memory } })
      .exports as unknown as {
      sumLeading: (x: number, o: number, s: number, outer: number, inner: number, scale: number) => void;
    };
    const [outer, inner] = [9, 7];
    const x = randomArray(outer * inner);
    new Float32Array(memory.buffer, 0, x.length).set(x);
    k.sumLeading(0, 1024, 2048, outer, inner, 1);
    const want = new Float32Array(inner);
    for (let c = 0; c < inner; c++) {
      let s = 0;
      for (let i = 0; i < outer; i++) s += x[i * inner + c];
      want[c] = s;
    }
    expect(Array.from(new Float32Array(memory.buffer, 1024, inner))).toEqual(Array.from(want));
  });
  test("the Winograd module's shared-memory build transforms a filter like the plain one", () => {
    const run = (b64: string, memory: WebAssembly.Memory) => {
      const k = new WebAssembly.Instance(new WebAssembly.Module(bytes(b64)), { env: { memory } })
        .exports as unknown as {
        winogradFilter: (w: number, v: number, ch: number, out: number) => void;
      };
      const [ch, out] = [3, 8];
      k.winogradFilter(0, 4096, ch, out);
      return Array.from(new Float32Array(memory.buffer, 4096, 16 * ch * out));
    };
    const w = randomArray(72);
    const fill = (memory: WebAssembly.Memory) => {
      new Float32Array(memory.buffer, 0, 72).set(w);
      return memory;
    };
    const plain = run(winogradBinary.plain, fill(new WebAssembly.Memory({ initial: 1 })));
    const shared = run(
      winogradBinary.shared,
      fill(new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true })),
    );
    expect(shared).toEqual(plain);
    // Element 0 of the transform is the filter's tap (0, 0) itself.
    expect(plain.slice(0, 8)).toEqual(Array.from(w.subarray(0, 8)));
  });
});

test("the SIMD product's plain and shared-memory builds give a b, a row-major or transposed (every remainder of its 4x8 blocks, three inner blocks)", () => {
  // 1028 columns: 128 blocks of 8 and one of 4; b's rows of 4112 bytes make inner blocks of 31 (128 KB of b).
  const [rows, inner, cols] = [7, 70, 1028];
  const a = randomArray(rows * inner);
  const aT = Float32Array.from({ length: rows * inner }, (_, i) => a[(i % rows) * inner + Math.floor(i / rows)]);
  const b = randomArray(inner * cols);
  const want = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let k = 0; k < inner; k++) want[r * cols + c] += a[r * inner + k] * b[k * cols + c];
  for (const [name, memory] of [
    ['plain', new WebAssembly.Memory({ initial: 8 })],
    ['shared', new WebAssembly.Memory({ initial: 8, maximum: 65536, shared: true })],
  ] as const) {
    const k = new WebAssembly.Instance(new WebAssembly.Module(bytes(productsBinary[name])), { env: { memory } })
      .exports as unknown as {
      matMulRows: (...args: number[]) => void;
    };
    const bAt = a.length * 4;
    const outAt = bAt + b.length * 4;
    new Float32Array(memory.buffer, bAt, b.length).set(b);
    // a as it lies (rows of `inner`), then transposed (rows of `rows`): element (r, k) at r*aRow + k*aInner.
    for (const [layout, data, aRow, aInner] of [
      ['row-major', a, 4 * inner, 4],
      ['transposed', aT, 4, 4 * rows],
    ] as const) {
      new Float32Array(memory.buffer, 0, a.length).set(data);
      new Float32Array(memory.buffer, outAt, rows * cols).fill(Number.NaN); // every element written
      k.matMulRows(0, aRow, aInner, bAt, outAt, rows, inner, cols);
      const got = new Float32Array(memory.buffer, outAt, rows * cols);
      for (let i = 0; i < want.length; i++) expect(got[i], `${name}, ${layout} [${i}]`).toBeCloseTo(want[i], 3);
    }
  }
});

test('im2col copies each tap of every output pixel, zeros outside the image (stride, dilation, padding; 4 and 3 channels)', () => {
  for (const ch of [4, 3]) {
    const [batch, inH, inW, outH, outW, kh, kw, sh, sw, dh, dw, top, left] = [2, 6, 7, 3, 4, 3, 2, 2, 1, 2, 1, 1, 2];
    const x = randomArray(batch * inH * inW * ch);
    const size = batch * outH * outW * kh * kw * ch;
    const want = new Float32Array(size);
    let at = 0;
    for (let b = 0; b < batch; b++)
      for (let p = 0; p < outH; p++)
        for (let q = 0; q < outW; q++)
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              for (let c = 0; c < ch; c++, at++) {
                const h = p * sh + i * dh - top;
                const w = q * sw + j * dw - left;
                want[at] = h >= 0 && h < inH && w >= 0 && w < inW ? x[((b * inH + h) * inW + w) * ch + c] : 0;
              }
    const memory = new WebAssembly.Memory({ initial: 1 });
    const k = new WebAssembly.Instance(new WebAssembly.Module(bytes(productsBinary.plain)), { env: { memory } })
      .exports as unknown as { im2col: (...args: number[]) => void };
    new Float32Array(memory.buffer, 0, x.length).set(x);
    const outAt = x.length * 4;
    new Float32Array(memory.buffer, outAt, size).fill(Number.NaN); // zeros written too
    k.im2col(0, outAt, batch, inH, inW, ch, outH, outW, kh, kw, sh, sw, dh, dw, top, left);
    expect(Array.from(new Float32Array(memory.buffer, outAt, size)), `${ch} channels`).toEqual(Array.from(want));
    expect(want.filter((v) => v === 0).length, 'some taps fall outside').toBeGreaterThan(0);
  }
});

describe('SIMD kernels against the cpu backend', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'] });
    await import('@tensorflow/tfjs-backend-cpu');
  });

  for (const ch of [1, 4, 8, 13]) {
    test(`maxPool and avgPool gradients, ${ch} channels (2x2/2 valid, 3x3/2 same)`, async () => {
      const shape: [number, number, number, number] = [2, 7, 6, ch];
      const x = randomArray(2 * 7 * 6 * ch).map((v, i) => (i % 3 ? v : Math.max(0, v))); // ties, as after relu
      const { cpu, wasm } = await onBoth(() => {
        const xs = tf.tensor4d(x, shape);
        const out: tf.Tensor[] = [];
        for (const [f, s, pad] of [
          [2, 2, 'valid'],
          [3, 2, 'same'],
        ] as const) {
          const r = tf.randomNormal(tf.maxPool(xs, f, s, pad).shape, 0, 1, 'float32', 3);
          out.push(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, f, s, pad), r)))(xs));
          out.push(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, f, s, pad), r)))(xs));
        }
        return out;
      });
      for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `pool case ${i}`);
    });
  }

  test('leading-axis sums with 1, 4, 7 and 64 inner values', async () => {
    const data = [1, 4, 7, 64].map((inner) => ({ inner, x: randomArray(3 * 5 * 2 * inner) }));
    const { cpu, wasm } = await onBoth(() =>
      data.map(({ inner, x }) => tf.sum(tf.tensor4d(x, [3, 5, 2, inner]), [0, 1, 2])),
    );
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `sum case ${i}`);
  });

  test("filter gradient patches: one input channel with 'same' padding (zeros at both row ends) and stride 2", async () => {
    const data = randomArray(3 * 9 * 10);
    const { cpu, wasm } = await onBoth(() => {
      const x = tf.tensor4d(data, [3, 9, 10, 1]);
      return [1, 2].map((s) => {
        const filterShape: [number, number, number, number] = [3, 5, 1, 32];
        const y = tf.conv2d(x, tf.zeros(filterShape) as tf.Tensor4D, s, 'same');
        const g = {
          k: [3, 5] as [number, number],
          strides: [s, s] as [number, number],
          dilations: [1, 1] as [number, number],
          padTop: 0,
          padLeft: 0,
        };
        expect(filterGradRoute(x.shape, y.shape, g), `stride ${s} takes the patch matrix`).toBe('simd');
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 4);
        return tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: s, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: 'floor', filterShape },
          ) as tf.Tensor;
      });
    });
    for (let i = 0; i < cpu.length; i++) expectClose(wasm[i], cpu[i], `filter gradient case ${i}`, 1e-4);
  });

  test('after the heap grows, the kernels see the new memory', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const x = tf.tensor2d(randomArray(40 * 12), [40, 12]);
    const before = await tf.sum(x, 0).data();
    const pages = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length;
    const big = tf.zeros([64 * 2 ** 20]); // 256 MB: the heap must grow
    expect((backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length).toBeGreaterThan(pages);
    const y = tf.tensor2d(await x.data(), [40, 12]);
    const s = tf.sum(y, 0);
    expect(Array.from(await s.data())).toEqual(Array.from(before));
    expect(heapOffset(backend, y)).toBeGreaterThan(0);
    expect(simdKernels(backend)).toBe(simdKernels(backend)); // one instance per heap
    tf.dispose([x, y, s, big]);
  });
});
