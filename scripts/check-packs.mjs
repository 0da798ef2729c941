// Packs every publishable package (`npm pack`), installs the tarballs in a clean temporary folder the way a user
// would (peer dependencies from the registry), then imports each one with ESM `import` and CJS `require`.
// Catches what workspace symlinks hide: missing `files`, wrong `exports`, undeclared dependencies. Then bundles
// each installed package for the browser (esbuild, esm and iife): no error, no warning, no Node-only module.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserBundleProblems } from './browserBundle.mjs';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tiefe-packs-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

try {
  const packages = readdirSync(join(root, 'packages'))
    .map((name) => ({
      dir: join(root, 'packages', name),
      manifest: JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')),
    }))
    .filter((p) => !p.manifest.private);
  const tarballs = packages.map((p) =>
    join(dir, npm(['pack', '--silent', '--pack-destination', dir], p.dir).trim().split('\n').pop()),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'tiefe-pack-check', private: true, type: 'module' }));
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], dir);
  for (const { manifest } of packages) {
    const name = manifest.name;
    const esm = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import('${name}'); console.log(Object.keys(m).length)`],
      { cwd: dir, encoding: 'utf8' },
    ).trim();
    const cjs = execFileSync(process.execPath, ['-e', `console.log(Object.keys(require('${name}')).length)`], {
      cwd: dir,
      encoding: 'utf8',
    }).trim();
    if (!(Number(esm) > 0 && Number(cjs) > 0 && esm === cjs))
      throw new Error(`${name}: ESM exports ${esm}, CJS exports ${cjs}`);
    console.log(`check-packs: ${name} installs from its tarball; ESM and CJS both export ${esm} names`);
  }
  // A browser app installs the optional backends it bundles (initBackend imports them on demand).
  const optional = new Set(
    packages.flatMap(({ manifest }) =>
      Object.keys(manifest.peerDependenciesMeta ?? {}).map((n) => `${n}@${manifest.peerDependencies[n]}`),
    ),
  );
  npm(['install', '--no-audit', '--no-fund', '--prefer-offline', ...optional], dir);
  const problems = [];
  for (const { manifest } of packages)
    problems.push(...(await browserBundleProblems(manifest.name, { resolveDir: dir })));
  if (problems.length > 0) throw new Error(`browser bundles of the packed packages:\n${problems.join('\n')}`);
  console.log(`check-packs: ${packages.length} packages bundle for the browser (esm, iife) with no error or warning`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
