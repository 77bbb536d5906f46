/**
 * `df-planner sample`: loads a model directory and samples sequences through a scheduling matrix (Algorithm 2),
 * printing the denormalised tokens — a table by default, one JSON object with --json — and optionally a PNG of
 * the trajectories (--plot). `--chunks N` continues each sequence N−1 more times from its zFinal (a long,
 * stabilised rollout).
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { stderrLogger } from '../logging.js';
import { scheduleModes } from '../math/scheduling-matrix.js';
import { trajectoryPlot, writePng } from '../render/index.js';
import {
  denormalizeSteps,
  normalizeSteps,
  observationIndices,
  stepSize,
  tokenSize,
} from '../tasks/token-layout.js';
import { sampleSequences, stepLabels } from '../train/sample-sequences.js';
import { defineCommand } from './command.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { checkOutputFile, exitAfterWrites, writeAfterWork } from './output-path.js';
import { backendOption, withModel } from './with-model.js';

const options = {
  model: {
    kind: 'string',
    description: 'model directory (holds model.json and weights.bin)',
    required: true,
  },
  mode: { kind: 'string', description: 'scheduling matrix', choices: scheduleModes, default: 'pyramid' },
  steps: { kind: 'integer', description: 'S, DDIM sampling steps', default: 50, min: 1, max: 100000 },
  horizon: {
    kind: 'integer',
    description: 'H, tokens per chunk (default: the training window)',
    min: 1,
    max: 100000,
  },
  uncertainty: {
    kind: 'number',
    description: 'u, pyramid/trapezoid delay between tokens',
    default: 1,
    min: 0,
  },
  chunks: {
    kind: 'integer',
    description: 'chunks per sequence, each continuing from the last zFinal',
    default: 1,
    min: 1,
    max: 10000,
  },
  batch: { kind: 'integer', description: 'sequences to sample', default: 1, min: 1, max: 4096 },
  seed: {
    kind: 'integer',
    description: 'random seed of the initial noise',
    default: 0,
    min: 0,
    max: 2 ** 32 - 1,
  },
  eta: { kind: 'number', description: 'DDIM η: 0 deterministic, 1 DDPM-like', default: 0, min: 0, max: 1 },
  observation: {
    kind: 'string',
    description: 'first observation, comma-separated raw values (models with initLatent encoder)',
  },
  plot: { kind: 'string', description: 'also write a PNG of the sampled trajectories to this file' },
  backend: backendOption,
  json: {
    kind: 'boolean',
    description: 'print one JSON object: {model, mode, steps, horizon, tokens: [[[...]]], ...}',
  },
} as const;

const usage =
  'df-planner sample --model DIR [--mode pyramid|full_sequence|autoregressive|trapezoid] [--steps S] ' +
  '[--horizon H] [--uncertainty u] [--batch B] [--seed s] [--json] [--plot FILE]';

function round(x: number): number {
  return Number(x.toPrecision(6));
}

export default defineCommand({
  summary: COMMAND_SUMMARIES.sample,
  usage,
  options,
  async run(opts) {
    if (opts.plot !== undefined) checkOutputFile(opts.plot, '--plot', 'sample.png');
    return withModel(opts.model, opts.backend, async ({ model, backend: info, trainedTokens }) => {
      const cfg = model.config;
      const horizon = opts.horizon ?? trainedTokens(16);
      let first: Float32Array | null = null;
      if (opts.observation !== undefined) {
        const values = opts.observation.split(',').map((v) => Number(v.trim()));
        const indices = observationIndices(cfg.layout);
        if (values.length !== indices.length || !values.every(Number.isFinite)) {
          throw new InputError(
            `--observation needs ${indices.length} finite numbers (${stepLabels(cfg.layout)
              .filter((_, i) => indices.includes(i))
              .join(', ')}), got '${opts.observation}'`,
          );
        }
        const mean = indices.map((i) => cfg.normalization.mean[i]!);
        const std = indices.map((i) => cfg.normalization.std[i]!);
        first = normalizeSteps(values, { mean, std });
      }
      const result = await sampleSequences(model, {
        batch: opts.batch,
        horizon,
        chunks: opts.chunks,
        mode: opts.mode as (typeof scheduleModes)[number],
        steps: opts.steps,
        uncertainty: opts.uncertainty,
        eta: opts.eta,
        seed: opts.seed,
        firstObservation: first,
      });
      const d = tokenSize(cfg.layout);
      const b = opts.batch;
      const total = result.totalTokens;
      const raw = denormalizeSteps(result.tokens, cfg.normalization);
      // tokens[b][t] = token t of sequence b: F frames × step fields, denormalised.
      const tokens: number[][][] = [];
      for (let s = 0; s < b; s++) {
        const seq: number[][] = [];
        for (let t = 0; t < total; t++)
          seq.push(Array.from(raw.subarray((t * b + s) * d, (t * b + s + 1) * d), round));
        tokens.push(seq);
      }
      const plot = opts.plot;
      let plotError: string | null = null;
      if (plot !== undefined) {
        plotError = writeAfterWork('the plot', plot, () =>
          writePng(
            plot,
            trajectoryPlot(result.steps, b, {
              labels: stepLabels(cfg.layout),
              normalization: cfg.normalization,
              title: `${path.basename(path.resolve(opts.model))}: ${opts.mode} S=${opts.steps} H=${horizon} u=${opts.uncertainty}`,
            }),
          ),
        );
        if (plotError === null) stderrLogger.info(`wrote ${plot}`);
      }
      if (opts.json) {
        const out = {
          model: path.resolve(opts.model),
          mode: opts.mode,
          steps: opts.steps,
          horizon,
          uncertainty: opts.uncertainty,
          chunks: opts.chunks,
          batch: b,
          seed: opts.seed,
          eta: opts.eta,
          backend: info.name,
          ms: Math.round(result.ms * 100) / 100,
          cellCalls: result.cellCalls,
          frameStack: cfg.layout.frameStack,
          stepFields: stepLabels(cfg.layout),
          tokens,
        };
        process.stdout.write(`${JSON.stringify(out)}\n`);
        return exitAfterWrites('sample', plotError);
      }
      const labels = stepLabels(cfg.layout);
      const n = stepSize(cfg.layout);
      const f = cfg.layout.frameStack;
      const lines = [
        `${path.resolve(opts.model)}: ${opts.mode}, S=${opts.steps}, H=${horizon} tokens × ${opts.chunks} chunk(s), ` +
          `u=${opts.uncertainty}, ${b} sequence(s), ${result.ms.toFixed(1)} ms, ${result.cellCalls} cell calls per sequence (${info.name})`,
      ];
      for (let s = 0; s < b; s++) {
        lines.push('', `sequence ${s}`, ['token', 'step', ...labels].map((h) => h.padStart(12)).join(''));
        for (let t = 0; t < total; t++) {
          for (let fr = 0; fr < f; fr++) {
            const vals = tokens[s]![t]!.slice(fr * n, (fr + 1) * n).map((v) => v.toFixed(4).padStart(12));
            lines.push([String(t).padStart(12), String(t * f + fr + 1).padStart(12), ...vals].join(''));
          }
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return exitAfterWrites('sample', plotError);
    });
  },
});
