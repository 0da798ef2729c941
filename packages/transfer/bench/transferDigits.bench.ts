/**
 * The issue's numbers: blocks' smallCnn trained on MNIST digits 0-4 (of the 8,000-digit training part of the
 * 10,000 real test digits), transferred to digits 5-9 with 10, 50 and 100 labelled images per class, tested on
 * the digits 5-9 of the 2,000-digit test part: (a) scratch, (b) a head on frozen, cached features, (c) that head
 * then fine-tuning; mean and spread over 3 seeds. Then the same on the 50+50-image Fashion-MNIST sample. The
 * experiment is the `examples/transfer-digits` program (one implementation of the workflow). wasm only: the
 * 3 x 3 x 3 trainings take minutes there and would take an hour on cpu or lavapipe. Env
 * TIEFE_TRANSFER_BENCH_STEPS (default 150) sets the gradient steps of scratch training and of fine-tuning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transferDigits } from '../../../examples/transfer-digits/src/transferDigits.js';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const backends = ['wasm'];

const data = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

export default async function bench(): Promise<BenchRow[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'tiefe-transfer-bench-'));
  try {
    const t0 = performance.now();
    const report = await transferDigits({
      mnistDir: join(data, 'mnist'),
      fashionDir: join(data, 'fashion-mnist-sample'),
      outDir,
      backends: false,
      steps: Number(process.env.TIEFE_TRANSFER_BENCH_STEPS ?? 150),
      log: (line) => process.stderr.write(`transfer bench: ${line}\n`),
    });
    const minutes = (performance.now() - t0) / 60000;
    const pct = (v: number) => Math.round(v * 1000) / 10;
    const rows: BenchRow[] = [
      {
        case: 'transfer source: smallCnn on digits 0-4, test accuracy',
        value: pct(report.source.accuracy),
        unit: '%',
        note: `${report.source.train} train / ${report.source.test} test digits, ${report.source.epochs} epochs, ${report.source.seconds.toFixed(0)} s; whole bench ${minutes.toFixed(1)} min`,
      },
    ];
    const cell = (target: string, shots: number, strategy: string) =>
      report.results.find((r) => r.target === target && r.shots === shots && r.strategy === strategy);
    for (const r of report.results) {
      const scratch = cell(r.target, r.shots, 'scratch');
      const digits = r.target === 'digits 5-9';
      const goal = digits && r.strategy !== 'scratch' && r.shots <= 50 && scratch;
      rows.push({
        case: `transfer ${r.target}, ${digits ? `${r.shots}/class` : '50 images'}, ${r.strategy}: test accuracy`,
        value: pct(r.mean),
        unit: '%',
        ...(goal ? { target: '>= scratch + 5 points', pass: r.mean >= scratch.mean + 0.05 } : {}),
        note: `${report.steps} steps; mean of seeds 1-3 (${r.accuracies.map(pct).join(', ')}), sd ${pct(r.std)}; ${r.seconds.toFixed(1)} s training per seed; test ${digits ? `${report.targetTest} digits 5-9` : '50 images'}`,
      });
    }
    return rows;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
