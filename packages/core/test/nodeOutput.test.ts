/**
 * What a Node program that uses @tiefe/core prints: only its own output. Each case runs a small program in a
 * fresh `node --import @tiefe/core/register` process (tsx loads core's TypeScript source) and reads its output.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CORE = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** Runs `program` (an ES module; `core` is @tiefe/core's source) and returns its exit code and output. */
function run(program: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const source = `import * as tf from '@tensorflow/tfjs-core';\nconst core = await import(${JSON.stringify(CORE)});\n${program}`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--import', '@tiefe/core/register', '--input-type=module', '-e', source],
      { cwd: ROOT, env: { ...process.env, TIEFE_BACKEND: '' }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('output of Node programs that use @tiefe/core', () => {
  it("prints no tfjs 'running TensorFlow.js in Node.js' banner (the cpu backend's first tensor)", async () => {
    const { code, stdout, stderr } = await run(
      "await core.initBackend({ prefer: ['cpu'] });\nconsole.log('result', tf.square(tf.scalar(3)).dataSync()[0]);",
    );
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe('result 9');
    expect(stderr).toBe('');
  });

  it('prints no Dawn warnings when the default order passes a software WebGPU adapter over for wasm', async () => {
    const { code, stdout, stderr } = await run(
      'const got = await core.initBackend();\nconsole.log(JSON.stringify({ name: got.name, skipped: got.skipped }));',
    );
    expect(code, stderr).toBe(0);
    const got = JSON.parse(stdout) as { name: string; skipped: Array<{ name: string; reason: string }> };
    // This machine's adapter is Mesa lavapipe (scripts/install-webgpu-deps.sh): a software one.
    expect(got.name).toBe('wasm');
    expect(got.skipped[0].reason).toMatch(/software adapter/);
    expect(stderr).toBe('');
  });

  it('an uncaught tfjs error after wasm started prints the error, not kilobytes of minified source', async () => {
    const { code, stderr } = await run(
      "await core.initBackend({ prefer: ['wasm'] });\nsetTimeout(() => tf.reshape(tf.tensor1d([1, 2]), [3]), 0);",
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain('Size(2) must match the product of shape 3');
    expect(stderr.length).toBeLessThan(4096);
    expect(stderr).not.toMatch(/WasmBackendModule/);
  });

  it('scripts/install-webgpu-deps.sh is a silent no-op where Mesa lavapipe is installed (no apt-get)', () => {
    // The WebGPU tests of this suite run on lavapipe, so it is installed here (Mesa 25 names it lvp_icd.json).
    const bin = mkdtempSync(join(tmpdir(), 'tiefe-apt-'));
    const called = join(bin, 'called');
    try {
      writeFileSync(join(bin, 'apt-get'), `#!/bin/sh\ntouch ${called}\nexit 1\n`);
      chmodSync(join(bin, 'apt-get'), 0o755);
      const script = join(ROOT, 'scripts/install-webgpu-deps.sh');
      const r = spawnSync('bash', [script], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toBe('');
      expect(existsSync(called)).toBe(false);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
