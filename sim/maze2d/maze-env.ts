/**
 * D4RL Maze2D (`maze2d-{umaze,medium,large}-v1`) on the MuJoCo engine (docs/maze2d.md §1–§7).
 *
 * One env step (D4RL `MazeEnv.step`, frame_skip 1):
 *   u ← clip(action, ±1);  qvel ← clip(qvel, ±5);  mj_step once (h = 0.01 s, Euler with implicit damping)
 *   obs = [qpos_x, qpos_y, qvel_x, qvel_y] after the step
 *   reward = 1 if ‖obs.xy − goal‖ ≤ 0.5 else 0   (sparse, on the post-step position)
 *   truncated once t = episodeLength (300 / 600 / 800); the env never terminates on its own.
 *
 * Reset (D4RL `reset_model`, §3), one fresh PRNG per call seeded by `seed`, draws in this order:
 *   cell ~ uniform over free cells incl. G;  qpos = cell + U(−0.1, 0.1)²;  qvel ~ N(0, 0.1²)²;
 *   then, for a random goal (Multi2D), goal = cell′ + U(−0.1, 0.1)² with cell′ drawn the same way
 *   (Diffuser's order: reset, then set_target). The fixed evaluation goal is the exact integer G cell.
 *
 * Coordinates are qpos (x along layout rows, y along columns); `walls` gives wall squares in that frame.
 */
import { InputError } from '../../src/errors.js';
import type { Logger } from '../../src/logging.js';
import { createRng } from '../../src/math/rng.js';
import type { TokenField } from '../../src/tasks/token-layout.js';
import { describeValue as describe } from '../describe-value.js';
import type { BoxSpace, Env, EnvInfo, ResetOptions, ResetResult, StepResult } from '../env.js';
import { loadMujoco, type MujocoModule, mujocoVersion } from '../mujoco/load-mujoco.js';
import { Simulation } from '../mujoco/simulation.js';
import {
  type Cell,
  freeCells,
  GOAL_RADIUS,
  goalCell,
  jitteredCell,
  MAZE_LAYOUTS,
  type MazeName,
  type MazeTask,
  mazeTask,
  withinGoal,
} from './layouts.js';
import { BALL_RADIUS, mazeMjcf, mazeWalls, type WallRect } from './mjcf.js';

/** Per-axis velocity clip applied before every physics step (D4RL `clip_velocity`). */
export const VELOCITY_CLIP = 5;
/** Sparse reward / success radius around the goal (defined with the layouts; re-exported for callers). */
export { GOAL_RADIUS };
/** Std of the reset velocity noise. */
export const RESET_VELOCITY_STD = 0.1;
/**
 * Largest speed one step can produce per axis: from the clipped 5 m/s at full throttle,
 * v′ = (m·5 + h·100)/(m + h·b) with m = 4.18879 kg, h = 0.01 s, b = 1 (docs/maze2d.md §5.2).
 */
export const MAX_STEP_SPEED =
  ((4000 / 3) * Math.PI * 0.001 * VELOCITY_CLIP + 0.01 * 100) / ((4000 / 3) * Math.PI * 0.001 + 0.01);

export interface MazeEnvOptions {
  /** Multi2D: draw a new goal at every reset (uniform over free cells + jitter). Default false: the G cell. */
  readonly randomGoal?: boolean;
  /** Receives MuJoCo engine output (warnings). Default: stderr. */
  readonly logger?: Logger;
}

/** The maze env: the generic `Env` plus what maze-aware code (expert, renderer, scoring) needs. */
export interface MazeEnv extends Env {
  readonly task: MazeTask;
  readonly maze: MazeName;
  /** Current goal (qpos frame); changes at reset with `randomGoal` or `ResetOptions.goal`. */
  readonly goal: readonly [number, number];
  /** Wall squares in the qpos frame. */
  readonly walls: readonly WallRect[];
  readonly ballRadius: number;
  /** Whether resets draw a random goal unless told otherwise. */
  readonly randomGoal: boolean;
  /** MuJoCo engine version, e.g. '3.5.1'. */
  readonly engineVersion: string;
}

/** Loads MuJoCo (once per process) and builds the env for `taskId` ('maze2d-umaze' | 'maze2d-medium' | 'maze2d-large'). */
export async function createMazeEnv(taskId: string, options: MazeEnvOptions = {}): Promise<MazeEnv> {
  const task = mazeTask(taskId);
  const mj = await loadMujoco(options.logger ? { logger: options.logger } : {});
  return new Maze2dEnv(mj, task, options);
}

const OBSERVATION_LABELS = ['x', 'y', 'vx', 'vy'] as const;
const ACTION_LABELS = ['ux', 'uy'] as const;

/** Synchronous construction for callers that already hold the MuJoCo module (`loadMujoco()`). */
export class Maze2dEnv implements MazeEnv {
  readonly id: string;
  readonly task: MazeTask;
  readonly maze: MazeName;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: BoxSpace;
  readonly episodeLength: number;
  readonly dt = 0.01;
  readonly tokenFields: readonly TokenField[] = [
    { name: 'action', kind: 'action', size: 2, labels: ACTION_LABELS },
    { name: 'reward', kind: 'reward', size: 1, labels: ['reward'] },
    { name: 'observation', kind: 'observation', size: 4, labels: OBSERVATION_LABELS },
  ];
  readonly walls: readonly WallRect[];
  readonly ballRadius = BALL_RADIUS;
  readonly randomGoal: boolean;
  readonly engineVersion: string;

  readonly #sim: Simulation;
  readonly #cells: readonly Cell[];
  readonly #fixedGoal: readonly [number, number];
  #goal: readonly [number, number];
  /** Steps since reset; −1 before the first reset. */
  #t = -1;

  constructor(mj: MujocoModule, task: MazeTask | string, options: MazeEnvOptions = {}) {
    this.task = typeof task === 'string' ? mazeTask(task) : task;
    this.id = this.task.id;
    this.maze = this.task.maze;
    this.episodeLength = this.task.episodeLength;
    this.randomGoal = options.randomGoal ?? false;
    this.walls = mazeWalls(this.maze);
    this.#cells = freeCells(this.maze);
    const [gi, gj] = goalCell(this.maze);
    this.#fixedGoal = Object.freeze([gi, gj] as const);
    this.#goal = this.#fixedGoal;
    this.engineVersion = mujocoVersion(mj);

    // The outer wall ring bounds the ball centre: it cannot pass the inner faces (penetration is ~cm).
    const rows = MAZE_LAYOUTS[this.maze].length;
    const cols = MAZE_LAYOUTS[this.maze][0]!.length;
    this.observationSpace = {
      low: Float64Array.of(0.3, 0.3, -MAX_STEP_SPEED, -MAX_STEP_SPEED),
      high: Float64Array.of(rows - 1.7, cols - 1.7, MAX_STEP_SPEED, MAX_STEP_SPEED),
      labels: OBSERVATION_LABELS,
    };
    this.actionSpace = { low: Float64Array.of(-1, -1), high: Float64Array.of(1, 1), labels: ACTION_LABELS };

    this.#sim = new Simulation(mj, mazeMjcf(this.maze), this.id);
  }

  get goal(): readonly [number, number] {
    return this.#goal;
  }

  /**
   * Starts an episode. `options.start`: [x, y] places the ball exactly there at rest, [x, y, vx, vy] sets
   * the full state (no jitter either way; used for scripted tests). `options.goal`: [x, y] overrides the goal;
   * `options.randomGoal` overrides the env's setting for this episode. With `start` given no start draws
   * are made, so a random goal then comes from the start of the seed's stream.
   */
  reset(seed: number, options: ResetOptions = {}): ResetResult {
    this.#assertOpen();
    if (!Number.isSafeInteger(seed)) {
      throw new InputError(`${this.id}: reset seed must be a whole number (a safe integer), got ${seed}`);
    }
    const start = options.start === undefined ? undefined : this.#checkStart(options.start);
    const goal = options.goal === undefined ? undefined : this.#checkPoint(options.goal, 'goal');
    const rng = createRng(seed);

    const sim = this.#sim;
    sim.resetData();
    const { qpos, qvel } = sim.state;
    if (start) {
      qpos[0] = start[0];
      qpos[1] = start[1];
      qvel[0] = start[2];
      qvel[1] = start[3];
    } else {
      const [x, y] = jitteredCell(rng, this.#cells);
      qpos[0] = x;
      qpos[1] = y;
      qvel[0] = RESET_VELOCITY_STD * rng.normal();
      qvel[1] = RESET_VELOCITY_STD * rng.normal();
    }
    sim.forward();

    if (goal) this.#goal = Object.freeze([goal[0], goal[1]] as const);
    else if (options.randomGoal ?? this.randomGoal)
      this.#goal = Object.freeze(jitteredCell(rng, this.#cells));
    else this.#goal = this.#fixedGoal;

    this.#t = 0;
    const observation = this.#observation();
    return { observation, info: this.#info(observation) };
  }

  step(action: ArrayLike<number>): StepResult {
    this.#assertOpen();
    if (this.#t < 0) throw new InputError(`${this.id}: step() before reset(); call reset(seed) first`);
    if (this.#t >= this.episodeLength) {
      throw new InputError(
        `${this.id}: the episode ended at t = ${this.episodeLength} (episodeLength); call reset(seed) before stepping again`,
      );
    }
    const [ux, uy] = this.#checkAction(action);
    const { ctrl, qvel } = this.#sim.state;
    ctrl[0] = clip(ux, 1);
    ctrl[1] = clip(uy, 1);
    qvel[0] = clip(qvel[0]!, VELOCITY_CLIP);
    qvel[1] = clip(qvel[1]!, VELOCITY_CLIP);
    this.#sim.step();

    this.#t += 1;
    const observation = this.#observation();
    const info = this.#info(observation);
    return {
      observation,
      reward: info.success ? 1 : 0,
      truncated: this.#t >= this.episodeLength,
      terminated: false,
      info,
    };
  }

  close(): void {
    this.#sim.close();
  }

  #observation(): Float64Array {
    const { qpos, qvel } = this.#sim.state;
    return Float64Array.of(qpos[0]!, qpos[1]!, qvel[0]!, qvel[1]!);
  }

  #info(observation: Float64Array): EnvInfo & { success: boolean } {
    return { goal: this.#goal, t: this.#t, success: withinGoal(observation, this.#goal) };
  }

  #checkAction(action: ArrayLike<number>): [number, number] {
    if (action == null || typeof action.length !== 'number' || action.length !== 2) {
      throw new InputError(
        `${this.id}: action must have 2 components [ux, uy] in [-1, 1], got ${describe(action)}`,
      );
    }
    const ux = action[0];
    const uy = action[1];
    if (!isFiniteNumber(ux) || !isFiniteNumber(uy)) {
      throw new InputError(
        `${this.id}: action components must be finite numbers (shape [2]: ux, uy in [-1, 1]), got [${String(ux)}, ${String(uy)}]`,
      );
    }
    return [ux, uy];
  }

  #checkPoint(point: readonly number[], what: string): [number, number] {
    if (!Array.isArray(point) && !ArrayBuffer.isView(point)) {
      throw new InputError(`${this.id}: ${what} must be [x, y], got ${describe(point)}`);
    }
    if (point.length !== 2 || !point.every(isFiniteNumber)) {
      throw new InputError(`${this.id}: ${what} must be 2 finite numbers [x, y], got ${describe(point)}`);
    }
    return [point[0]!, point[1]!];
  }

  #checkStart(start: readonly number[]): [number, number, number, number] {
    const ok =
      (Array.isArray(start) || ArrayBuffer.isView(start)) && (start.length === 2 || start.length === 4);
    if (!ok || !start.every(isFiniteNumber)) {
      throw new InputError(
        `${this.id}: start must be [x, y] or [x, y, vx, vy] of finite numbers, got ${describe(start)}`,
      );
    }
    const [x, y] = [start[0]!, start[1]!];
    const wall = this.walls.find((w) => x > w.xMin && x < w.xMax && y > w.yMin && y < w.yMax);
    if (wall) {
      throw new InputError(
        `${this.id}: start (${x}, ${y}) is inside the wall at cell (${wall.cell.join(', ')}), square ` +
          `[${wall.xMin}, ${wall.xMax}] × [${wall.yMin}, ${wall.yMax}]; free cells are (i, j) with ` +
          `ball centres in [i−0.6, i+0.2] per axis`,
      );
    }
    const low = this.observationSpace.low;
    const high = this.observationSpace.high;
    if (x < low[0]! || x > high[0]! || y < low[1]! || y > high[1]!) {
      throw new InputError(
        `${this.id}: start (${x}, ${y}) is outside the maze [${low[0]}, ${high[0]}] × [${low[1]}, ${high[1]}]`,
      );
    }
    return [x, y, start[2] ?? 0, start[3] ?? 0];
  }

  #assertOpen(): void {
    if (this.#sim.closed)
      throw new InputError(`${this.id}: the env was closed; create a new one with createMazeEnv`);
  }
}

function clip(x: number, bound: number): number {
  return Math.min(bound, Math.max(-bound, x));
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
