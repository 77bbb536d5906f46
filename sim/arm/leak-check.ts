/**
 * The leak check of the fruit-swap task (docs/arm-swap.md, "the ambiguity"): can a *linear* classifier tell
 * the two cases apart from the observation at the decision points, where the expert rests at HOME and both
 * cases show the same arrangement? If it can, a memoryless policy could too, and the task would not measure
 * memory. A healthy dataset scores near chance.
 *
 * Decision points per demo: the observation just before each of the three moves departs, and the last
 * observation of the final hold. Arrangement groups (apple slot, orange slot) and who is there:
 *   (A, B): AB before move 1  vs  BA at the end      (C, B): AB before move 2  vs  BA before move 3
 *   (C, A): AB before move 3  vs  BA before move 2   (B, A): AB at the end     vs  BA before move 1
 * Per group we fit ridge least squares on standardised observations (+ intercept) to the case label ±1 and
 * report k-fold cross-validated accuracy next to the majority-class rate (chance). The linear solves use
 * mathjs: a few 16 × 16 systems per run, nowhere near a hot loop.
 */
import { lusolve } from 'mathjs';
import { createRng } from '../../src/math/rng.js';
import { type ArmDataset, armEpisodes } from './dataset.js';

export interface DecisionPoint {
  /** Arrangement group name, e.g. '(C,B)'. */
  readonly group: string;
  /** 0 = AB, 1 = BA. */
  readonly label: number;
  readonly features: readonly number[];
}

export interface LeakGroupResult {
  readonly group: string;
  readonly points: number;
  readonly accuracy: number;
  /** Majority-class rate: what always guessing the commoner case scores. */
  readonly chance: number;
}

export interface LeakCheckResult {
  readonly folds: number;
  readonly groups: readonly LeakGroupResult[];
  /** Pooled over groups (point-weighted). */
  readonly accuracy: number;
  readonly chance: number;
}

const GROUPS = ['(A,B)', '(C,B)', '(C,A)', '(B,A)'] as const;

/** Group of a decision point by case and stage (0–2 before move k+1, 3 at the end). */
function groupOf(swapCase: 'AB' | 'BA', stage: number): string {
  const ab = ['(A,B)', '(C,B)', '(C,A)', '(B,A)'];
  const ba = ['(B,A)', '(C,A)', '(C,B)', '(A,B)'];
  return (swapCase === 'AB' ? ab : ba)[stage]!;
}

/** The decision points of every demo (training and validation) in a dataset. */
export function decisionPoints(data: ArmDataset): DecisionPoint[] {
  const out: DecisionPoint[] = [];
  for (const ep of armEpisodes(data)) {
    const label = ep.case === 'AB' ? 0 : 1;
    for (let move = 0; move < 3; move++) {
      let t = ep.start;
      while (t < ep.start + ep.length && data.moves[t] !== move) t++;
      if (t === ep.start + ep.length) continue;
      out.push({
        group: groupOf(ep.case, move),
        label,
        features: Array.from(data.observations.subarray(t * 15, (t + 1) * 15)),
      });
    }
    const last = ep.start + ep.length - 1;
    out.push({
      group: groupOf(ep.case, 3),
      label,
      features: Array.from(data.nextObservations.subarray(last * 15, (last + 1) * 15)),
    });
  }
  return out;
}

export interface LeakCheckOptions {
  readonly folds?: number;
  /**
   * Ridge strength λ per training point on standardised features (default 1: as strong as the data
   * itself, so small groups with about as many points as features do not interpolate noise).
   */
  readonly ridge?: number;
  /** Seed of the fold assignment. */
  readonly seed?: number;
}

/** Cross-validated linear classification of the case at each arrangement group. */
export function leakCheck(points: readonly DecisionPoint[], options: LeakCheckOptions = {}): LeakCheckResult {
  const folds = options.folds ?? 5;
  const ridge = options.ridge ?? 1;
  const rng = createRng(options.seed ?? 0);
  const groups: LeakGroupResult[] = [];
  for (const group of GROUPS) {
    const members = rng.shuffle(points.filter((p) => p.group === group));
    if (members.length === 0) continue;
    let correct = 0;
    for (let f = 0; f < folds; f++) {
      const test = members.filter((_, i) => i % folds === f);
      const train = members.filter((_, i) => i % folds !== f);
      if (test.length === 0 || train.length === 0) continue;
      const model = fitRidge(train, ridge);
      for (const p of test) if ((model(p.features) >= 0 ? 1 : 0) === p.label) correct += 1;
    }
    const ones = members.filter((p) => p.label === 1).length;
    groups.push({
      group,
      points: members.length,
      accuracy: correct / members.length,
      chance: Math.max(ones, members.length - ones) / members.length,
    });
  }
  const total = groups.reduce((s, g) => s + g.points, 0);
  const pooled = (key: 'accuracy' | 'chance') =>
    groups.reduce((s, g) => s + g[key] * g.points, 0) / Math.max(1, total);
  return { folds, groups, accuracy: pooled('accuracy'), chance: pooled('chance') };
}

/** Ridge least squares on standardised features with an intercept; returns the decision function. */
function fitRidge(train: readonly DecisionPoint[], ridge: number): (x: readonly number[]) => number {
  const d = train[0]!.features.length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const p of train) for (let k = 0; k < d; k++) mean[k]! += p.features[k]! / train.length;
  for (const p of train)
    for (let k = 0; k < d; k++) std[k]! += (p.features[k]! - mean[k]!) ** 2 / train.length;
  // A constant column carries no information; scale 1 keeps it harmless instead of dividing by 0.
  const scale = std.map((s) => (s > 1e-12 ? Math.sqrt(s) : 1));
  const row = (x: readonly number[]) => [1, ...x.map((v, k) => (v - mean[k]!) / scale[k]!)];
  const n = d + 1;
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const b = new Array<number>(n).fill(0);
  for (const p of train) {
    const r = row(p.features);
    const y = p.label === 1 ? 1 : -1;
    for (let i = 0; i < n; i++) {
      b[i]! += r[i]! * y;
      for (let j = 0; j < n; j++) a[i]![j]! += r[i]! * r[j]!;
    }
  }
  for (let i = 1; i < n; i++) a[i]![i]! += ridge * train.length;
  const w = (lusolve(a, b) as number[][]).map((v) => v[0]!);
  return (x) => row(x).reduce((s, v, i) => s + v * w[i]!, 0);
}
