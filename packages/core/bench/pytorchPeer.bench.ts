/**
 * The peer: the reference CNN's training step in PyTorch on the CPU (Debian's python3-torch), so that the
 * tfjs backends' numbers in the same table have a yardstick. Skipped with a note where torch is missing.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const backends = ['cpu'];

export default async function pytorchPeer(): Promise<BenchRow[]> {
  const script = fileURLToPath(new URL('../../../scripts/pytorch_peer.py', import.meta.url));
  // Debian's python3 first: python3-torch installs there, not into pyenv or venv interpreters.
  for (const python of ['/usr/bin/python3', 'python3']) {
    const run = spawnSync(python, [script, '2'], { encoding: 'utf8', timeout: 300_000 });
    const line = run.stdout?.trim().split('\n').pop();
    if (run.status === 0 && line?.startsWith('{')) {
      const r = JSON.parse(line);
      return [
        {
          case: 'reference CNN train step, PyTorch CPU peer (batch 64, Adam)',
          value: r.ms_per_step,
          unit: 'ms/step',
          note: `torch ${r.torch}, ${r.threads} threads, median of 30`,
        },
      ];
    }
  }
  return [
    {
      case: 'reference CNN train step, PyTorch CPU peer',
      value: Number.NaN,
      unit: 'ms/step',
      note: 'not measured: no python3 with torch (apt-get install python3-torch)',
    },
  ];
}
