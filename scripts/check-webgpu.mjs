// Runs before `npm test`: makes sure WebGPU works in Node, so the WebGPU tests run for real and are never
// silently skipped. As root on Debian it installs the software Vulkan driver itself
// (scripts/install-webgpu-deps.sh); elsewhere it stops with what to install.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

async function adapterInfo() {
  let dawn;
  try {
    dawn = await import('webgpu');
  } catch (e) {
    return { error: `the npm package \`webgpu\` (Dawn) could not be loaded: ${e.message}. Run \`npm install\`.` };
  }
  Object.assign(globalThis, dawn.globals);
  const adapter = await dawn.create([]).requestAdapter();
  if (!adapter) return { error: 'Dawn found no WebGPU adapter (no Vulkan driver it accepts).' };
  const { vendor, architecture, description } = adapter.info;
  return { info: [vendor, architecture, description].filter(Boolean).join(' / ') };
}

function probe() {
  // A child process: a failed Dawn start must not leave this process with a half-initialised instance.
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--probe'], { encoding: 'utf8' });
  const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
  return line
    ? JSON.parse(line)
    : { error: `the probe crashed: ${child.stderr.trim().split('\n').slice(-3).join(' ')}` };
}

if (process.argv[2] === '--probe') {
  console.log(JSON.stringify(await adapterInfo()));
  process.exit(0);
}

let result = probe();
if (result.error && process.platform === 'linux') {
  const script = fileURLToPath(new URL('./install-webgpu-deps.sh', import.meta.url));
  console.log(`check-webgpu: ${result.error} Installing a software Vulkan driver with ${script} ...`);
  const install = spawnSync('bash', [script], { stdio: 'inherit' });
  if (install.status === 0) result = probe();
}
if (result.error) {
  console.error(
    `check-webgpu: ${result.error}\n` +
      'The test suite includes WebGPU tests and does not skip them. WebGPU in Node needs a Vulkan driver:\n' +
      '  Debian 12 (as root):  bash scripts/install-webgpu-deps.sh   (Mesa 25 lavapipe from bookworm-backports)\n' +
      '  or:                   apt-get install chromium && export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json\n' +
      '  or a real GPU with its vendor Vulkan driver.',
  );
  process.exit(1);
}
console.log(`check-webgpu: WebGPU adapter: ${result.info}`);
