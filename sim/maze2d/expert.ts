/**
 * D4RL's waypoint controller for Maze2D (docs/maze2d.md §9.1): plan a cell path with Q-iteration, follow jittered
 * waypoints with a PD law, and report `solved` once the ball rests on the target cell.
 *
 * Notation (qpos frame, §2.2):
 *   loc, vel        observation[0..1], observation[2..3]
 *   target_int      round(goal) per axis (Python's round: half to even); the controller steers to this cell,
 *                   not to the drawn goal point
 *   waypoint_k      k-th cell of the greedy grid path (start cell excluded) minus U(0,1)·0.2 per axis; the
 *                   last waypoint is target_int exactly
 *   step_disp       ‖prev_loc − loc‖, the per-step displacement (≈ 0.01·speed); prev_loc starts at the
 *                   *integer* start cell, as in the source
 *   solved          ‖loc − target_int‖ < 0.1 and step_disp < 0.1
 *   aim             waypoint_idx if not solved, else target_int
 *   action          clip(kp·(aim − loc) + kd·vel, ±1), kp = 10, kd = −1
 *
 * Two ways to use it in evaluation (§8):
 *   - fresh per episode (`expertPolicy`, default): a new plan every episode; the correct expert (≈ 147/154/207
 *     normalised on umaze/medium/large);
 *   - reused (`reuseController: true`): one controller for all episodes with a fixed goal, so only episode 1
 *     plans; later episodes drive straight at the goal. This is how D4RL produced ref_max, kept for comparison.
 */
import { InputError } from '../../src/errors.js';
import type { EnvInfo } from '../env.js';
import type { Policy } from './evaluate.js';
import type { Cell, MazeName } from './layouts.js';
import { type QTable, qIteration } from './q-iteration.js';

/** The randomness the controller needs: waypoint jitter. Any `createRng(seed)` from src/math/rng fits. */
export interface UniformSource {
  /** U[0, 1). */
  uniform(): number;
}

export interface WaypointExpertConfig {
  /** Distance to a waypoint / the target that counts as reached. */
  readonly solveThreshold: number;
  /** Per-step displacement below which the ball counts as at rest. */
  readonly displacementThreshold: number;
  readonly pGain: number;
  /** Multiplies the velocity (the source's d_gain = −1). */
  readonly dGain: number;
  /** Waypoint jitter amplitude per axis: waypoint = cell − U(0,1)·jitter. */
  readonly jitter: number;
  readonly qIterations: number;
  readonly discount: number;
  /** Longest greedy rollout on the grid. */
  readonly maxWaypoints: number;
}

export const defaultWaypointExpertConfig: WaypointExpertConfig = Object.freeze({
  solveThreshold: 0.1,
  displacementThreshold: 0.1,
  pGain: 10,
  dGain: -1,
  jitter: 0.2,
  qIterations: 50,
  discount: 0.99,
  maxWaypoints: 100,
});

export interface ExpertAction {
  readonly action: Float64Array;
  /** The controller's `done`: resting on the target cell. */
  readonly solved: boolean;
}

const qCache = new Map<string, QTable>();

function cachedQ(maze: MazeName, target: Cell, config: WaypointExpertConfig): QTable {
  const key = `${maze}:${target[0]},${target[1]}:${config.qIterations}:${config.discount}`;
  let table = qCache.get(key);
  if (!table) {
    table = qIteration(maze, target, { iterations: config.qIterations, discount: config.discount });
    qCache.set(key, table);
  }
  return table;
}

/** Python 3 / numpy rounding (half to even), so cells match D4RL's Python controller on exact halves. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export class WaypointExpert {
  readonly maze: MazeName;
  readonly config: WaypointExpertConfig;
  readonly #rng: UniformSource;
  #target: [number, number] | undefined;
  #waypoints: [number, number][] = [];
  #index = 0;
  #prevLoc: [number, number] = [0, 0];

  constructor(maze: MazeName, rng: UniformSource, config: Partial<WaypointExpertConfig> = {}) {
    this.maze = maze;
    this.config = Object.freeze({ ...defaultWaypointExpertConfig, ...config });
    this.#rng = rng;
  }

  /** Current waypoint list (copies), e.g. to draw the expert's plan. */
  get waypoints(): [number, number][] {
    return this.#waypoints.map(([x, y]) => [x, y]);
  }

  get waypointIndex(): number {
    return this.#index;
  }

  /** Forgets the target, so the next call plans again (a fresh controller). */
  forget(): void {
    this.#target = undefined;
    this.#waypoints = [];
    this.#index = 0;
  }

  act(loc: ArrayLike<number>, vel: ArrayLike<number>, goal: ArrayLike<number>): ExpertAction {
    const x = loc[0]!;
    const y = loc[1]!;
    const gi = roundHalfEven(goal[0]!);
    const gj = roundHalfEven(goal[1]!);
    if (!this.#target || Math.hypot(this.#target[0] - gi, this.#target[1] - gj) > 1e-3) {
      this.#plan([x, y], [gi, gj]);
    }
    const target = this.#target!;
    const { solveThreshold, displacementThreshold, pGain, dGain } = this.config;
    const dist = Math.hypot(x - target[0], y - target[1]);
    const stepDisp = Math.hypot(this.#prevLoc[0] - x, this.#prevLoc[1] - y);
    const solved = dist < solveThreshold && stepDisp < displacementThreshold;
    const aim = solved ? target : this.#waypoints[this.#index]!;
    const action = new Float64Array(2);
    action[0] = clip1(pGain * (aim[0] - x) + dGain * vel[0]!);
    action[1] = clip1(pGain * (aim[1] - y) + dGain * vel[1]!);
    const toAim = Math.hypot(x - aim[0], y - aim[1]);
    // The last waypoint is the target itself with the same thresholds, so the index never runs past the end;
    // the bound only guards a path that never reached the target (a disconnected maze).
    if (!solved && toAim < solveThreshold && stepDisp < displacementThreshold) {
      this.#index = Math.min(this.#index + 1, this.#waypoints.length - 1);
    }
    this.#prevLoc = [x, y];
    return { action, solved };
  }

  #plan(start: [number, number], target: Cell): void {
    const q = cachedQ(this.maze, target, this.config);
    // A start near a wall may round into the wall cell; the grid MDP has wall states too, so this still works.
    let cell: Cell = [
      clampInt(roundHalfEven(start[0]), 0, q.rows - 1),
      clampInt(roundHalfEven(start[1]), 0, q.columns - 1),
    ];
    const startCell = cell;
    const waypoints: [number, number][] = [];
    for (let k = 0; k < this.config.maxWaypoints; k++) {
      const next = q.next(cell, q.greedyAction(cell));
      const atTarget = next[0] === target[0] && next[1] === target[1];
      if (atTarget) {
        waypoints.push([next[0], next[1]]);
        break;
      }
      const u0 = this.#rng.uniform();
      const u1 = this.#rng.uniform();
      waypoints.push([next[0] - u0 * this.config.jitter, next[1] - u1 * this.config.jitter]);
      cell = next;
    }
    this.#waypoints = waypoints;
    this.#index = 0;
    this.#prevLoc = [startCell[0], startCell[1]];
    this.#target = [target[0], target[1]];
  }
}

export interface ExpertPolicyOptions {
  /** Seeds the waypoint jitter. */
  readonly rng: UniformSource;
  /** Keep one controller across episodes (D4RL's flawed ref_max procedure); default false. */
  readonly reuseController?: boolean;
  readonly config?: Partial<WaypointExpertConfig>;
}

/** The waypoint expert as an evaluation policy; it reads the goal from `info.goal`. */
export function expertPolicy(
  maze: MazeName,
  options: ExpertPolicyOptions,
): Policy & { expert: WaypointExpert } {
  const expert = new WaypointExpert(maze, options.rng, options.config);
  return {
    expert,
    reset() {
      if (!options.reuseController) expert.forget();
    },
    act(obs: Float64Array, info: EnvInfo) {
      const goal = info.goal;
      if (!goal)
        throw new InputError('expertPolicy: the env reported no goal in info.goal; the expert needs one');
      return expert.act([obs[0]!, obs[1]!], [obs[2]!, obs[3]!], goal).action;
    },
  };
}

function clip1(v: number): number {
  return Math.min(1, Math.max(-1, v));
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
