/**
 * Issue 13's numbers: this example's own program (`transferDigits`, the protocol `npm start` runs), so that
 * the bench and the example cannot drift apart. blocks' smallCnn learns every digit 0-4 of the first 8,000 of
 * the 10,000 real MNIST digits (12 epochs, augmented but the last); digits 5-9 are learnt from 10, 50 and 100
 * labelled images per class drawn from a random 40% of all digits 5-9, (a) from scratch, (b) by a head on the
 * frozen convolutional features, (c) by that head then fine-tuning (batch norm frozen), all three with the same
 * augmentation and scratch and fine-tuning on a cosine rate, and scored on the other 60%; mean, spread and the
 * paired gain over scratch over seeds 1-3. Then the same
 * on the 50+50-image Fashion-MNIST sample. wasm only: the 3 x 3 x 3 trainings take minutes there and hours on
 * cpu or lavapipe. Env TIEFE_TRANSFER_BENCH_STEPS (default 150) sets the gradient steps of scratch and
 * fine-tuning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchRow } from '../../../scripts/benchRow.js';
import { transferDigits } from '../src/transferDigits.js';

export const kind = 'accuracy';
export const backends = ['wasm'];

const data = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const pct = (v: number) => Math.round(v * 1000) / 10;

export default async function bench(_backend: string, context: BenchContext): Promise<BenchRow[]> {
  const t0 = performance.now();
  const steps = Number(process.env.TIEFE_TRANSFER_BENCH_STEPS ?? 150);
  const outDir = mkdtempSync(join(tmpdir(), 'tiefe-transfer-bench-'));
  let report: Awaited<ReturnType<typeof transferDigits>>;
  try {
    report = await transferDigits({
      mnistDir: join(data, 'mnist'),
      fashionDir: join(data, 'fashion-mnist-sample'),
      outDir,
      steps,
      backends: false,
      log: context.progress,
    });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  const minutes = (performance.now() - t0) / 60000;
  const s = report.source;
  const rows: BenchRow[] = [
    {
      case: 'transfer source: smallCnn on digits 0-4, test accuracy',
      value: pct(s.accuracy),
      unit: '%',
      note: `${s.train} train / ${s.test} test digits, ${s.epochs} epochs (augmented but the last), ${s.seconds.toFixed(0)} s; whole bench ${minutes.toFixed(1)} min (2 cores)`,
    },
  ];
  for (const r of report.results) {
    const digits = r.target === 'digits 5-9';
    const scratch = report.results.find(
      (c) => c.target === r.target && c.shots === r.shots && c.strategy === 'scratch',
    );
    const goal = digits && r.strategy !== 'scratch' && r.shots <= 50 && scratch;
    rows.push({
      case: `transfer ${r.target}, ${digits ? `${r.shots}/class` : `${r.images} images`}, ${r.strategy}: test accuracy`,
      value: pct(r.mean),
      unit: '%',
      // Clearly better: the mean minus its sd above scratch's mean plus its sd (the spreads do not overlap).
      ...(goal ? { target: 'mean - sd > scratch mean + sd', pass: r.mean - r.std > scratch.mean + scratch.std } : {}),
      note: `${steps} steps; seeds 1-3 (${r.accuracies.map(pct).join(', ')}), sd ${pct(r.std)}${r.gain ? `; gain over scratch on the same images per seed ${r.gain.perSeed.map((g) => (g >= 0 ? '+' : '') + pct(g)).join(', ')} (mean ${pct(r.gain.mean)}, sd ${pct(r.gain.std)})` : ''}; ${r.seconds.toFixed(1)} s training per seed; test ${digits ? report.targetTest : 50} images`,
    });
  }
  return rows;
}
