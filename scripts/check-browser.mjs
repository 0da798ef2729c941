// Runs before `npm test`: makes sure the Chromium that the browser test (examples/browser/test) drives is
// installed, so that test runs for real and is never skipped. As root on Debian it installs Debian's chromium
// itself (scripts/install-browser-deps.sh); elsewhere it stops with what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const chromium = process.env.TIEFE_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const script = fileURLToPath(new URL('./install-browser-deps.sh', import.meta.url));
  console.log(`check-browser: ${chromium} is missing. Installing Chromium with ${script} ...`);
  const install = spawnSync('bash', [script], { stdio: 'inherit' });
  if (install.status !== 0 || !existsSync(chromium)) {
    console.error(
      `check-browser: no Chromium at ${chromium}.\n` +
        'The test suite includes a browser test (WebGPU and wasm in Chromium) and does not skip it. Install:\n' +
        '  Debian/Ubuntu (as root):  bash scripts/install-browser-deps.sh   (apt-get install chromium)\n' +
        '  or any Chromium/Chrome >= 121 and:  export TIEFE_CHROMIUM=/path/to/chrome',
    );
    process.exit(1);
  }
}
console.log(`check-browser: Chromium at ${chromium}`);
