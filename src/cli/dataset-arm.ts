/**
 * `df-planner dataset --task arm-swap`: records scripted fruit-swap demos (training, then validation) and
 * writes `<out>` (binary, format in sim/arm/dataset.ts) plus `<out>.json` (statistics, demo counts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { createArmEnv } from '../../sim/arm/arm-env.js';
import {
  ARM_DEFAULT_DART_NOISE,
  ARM_DEFAULT_DEMOS,
  ARM_DEFAULT_VALIDATION_DEMOS,
  generateArmDataset,
  writeArmDataset,
} from '../../sim/arm/dataset.js';
import { decisionPoints, leakCheck } from '../../sim/arm/leak-check.js';
import { stderrLogger } from '../logging.js';

export const ARM_DATASET_OPTIONS = {
  demos: {
    kind: 'integer',
    description: 'arm-swap: training demos',
    min: 0,
    max: 100_000,
    default: ARM_DEFAULT_DEMOS,
  },
  'val-demos': {
    kind: 'integer',
    description: 'arm-swap: validation demos, recorded after the training demos',
    min: 0,
    max: 100_000,
    default: ARM_DEFAULT_VALIDATION_DEMOS,
  },
} as const;

export interface ArmDatasetArgs {
  readonly demos: number;
  readonly 'val-demos': number;
  readonly seed: number;
  readonly out: string;
  readonly noise?: number | undefined;
  readonly json?: boolean | undefined;
}

export async function runArmDataset(opts: ArmDatasetArgs): Promise<number> {
  const { demos, seed, out } = opts;
  const validationDemos = opts['val-demos'];
  const noise = opts.noise ?? ARM_DEFAULT_DART_NOISE;
  const env = await createArmEnv();
  const total = demos + validationDemos;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: 'arm-swap [{bar}] {percentage}% | {value}/{total} demos | ETA {eta}s',
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0);
  let data: ReturnType<typeof generateArmDataset>;
  try {
    data = generateArmDataset(env, {
      demos,
      validationDemos,
      seed,
      noise,
      onProgress: (done) => bar.update(done),
    });
  } finally {
    bar.stop();
    env.close();
  }
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(dirname(out), { recursive: true });
  // Every arm dataset reports its own leak check: near chance means the cases are ambiguous at HOME.
  const leak = leakCheck(decisionPoints(data));
  const sidecar = writeArmDataset(out, data, { engineVersion: env.engineVersion, seconds, leakCheck: leak });
  stderrLogger.info(
    `arm-swap: ${total} demos (${data.steps} steps) in ${seconds.toFixed(1)} s (${Math.round(data.steps / seconds)} steps/s) → ${out}, ${out}.json`,
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ out, ...sidecar })}\n`);
  } else {
    const s = sidecar.statistics;
    const e = sidecar.episodes;
    const f = (v: readonly number[]): string => `[${v.map((x) => x.toFixed(4)).join(', ')}]`;
    process.stdout.write(
      [
        `wrote ${out} (${e.demos} training + ${e.validationDemos} validation demos, ${data.steps} steps, seed ${seed}, DART σ ${noise} m) and ${out}.json`,
        `demos       ${e.successes}/${e.demos + e.validationDemos} succeeded, ${e.casesAB} of case AB, length ${e.minLength}–${e.maxLength} steps (mean ${e.meanLength.toFixed(1)})`,
        `observation mean ${f(s.observationMean)}`,
        `            std  ${f(s.observationStd)}`,
        `action      mean ${f(s.actionMean)}  std ${f(s.actionStd)}`,
        `leak check  linear classifier of the case at the decision points (${leak.folds}-fold CV): accuracy ${leak.accuracy.toFixed(3)}, chance ${leak.chance.toFixed(3)}; ` +
          leak.groups
            .map((g) => `${g.group} ${g.accuracy.toFixed(2)}/${g.chance.toFixed(2)} (n ${g.points})`)
            .join(', '),
        '',
      ].join('\n'),
    );
  }
  return 0;
}
