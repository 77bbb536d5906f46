/**
 * MJCF for a D4RL Maze2D layout, built as D4RL's `point_maze()` builds it (docs/maze2d.md §2.2, §5.1).
 *
 * Frames: the ball body sits at world (1.2, 1.2, 0) and two slide joints add qpos on top, so
 * world = qpos + 1.2. Wall cell (i, j) is a box centred at world (i+1, j+1) with half-size 0.5 × 0.5 × 0.2;
 * in qpos (observation) coordinates its square is [i−0.7, i+0.3] × [j−0.7, j+0.3]. Cell (i, j) itself has
 * the nominal coordinate (i, j), which is 0.2 off the centre of the free square around it. We keep that
 * offset on purpose: it is what the D4RL data and reference scores were made with.
 *
 * Dropped from D4RL's XML, all visual only: the checker/skybox textures, headlight and shadow settings.
 * Kept: the ground plane (its normal is along z, which no joint moves, so it exerts no force), sites,
 * materials, and every physics setting.
 */
import { type Cell, MAZE_LAYOUTS, type MazeName } from './layouts.js';

/** World position of the ball body; qpos = world − this, per axis. */
export const BALL_BODY_OFFSET = 1.2;
export const BALL_RADIUS = 0.1;
/** Half side of a wall square in the plane. */
export const WALL_HALF_SIZE = 0.5;

/** A wall square in qpos (observation) coordinates. */
export interface WallRect {
  readonly cell: Cell;
  readonly xMin: number;
  readonly xMax: number;
  readonly yMin: number;
  readonly yMax: number;
}

/** Wall squares of a layout in qpos coordinates, row-major (what a renderer or a collision check needs). */
export function mazeWalls(maze: MazeName): WallRect[] {
  return layoutWalls(MAZE_LAYOUTS[maze]);
}

/** Wall squares of any layout (rows of `#`/`O`/`G`) in qpos coordinates. */
export function layoutWalls(rows: readonly string[]): WallRect[] {
  return wallsOf(rows).map(([i, j]) => {
    const cx = i + 1 - BALL_BODY_OFFSET;
    const cy = j + 1 - BALL_BODY_OFFSET;
    return {
      cell: [i, j] as const,
      xMin: cx - WALL_HALF_SIZE,
      xMax: cx + WALL_HALF_SIZE,
      yMin: cy - WALL_HALF_SIZE,
      yMax: cy + WALL_HALF_SIZE,
    };
  });
}

/** The MJCF document for `maze`. Joint names ball_x/ball_y; wall geoms wall_<i>_<j>, as in D4RL. */
export function mazeMjcf(maze: MazeName): string {
  return layoutMjcf(MAZE_LAYOUTS[maze], maze);
}

/** The MJCF document for any layout (rows of `#` wall, anything else free); `name` becomes the model name. */
export function layoutMjcf(rows: readonly string[], name: string): string {
  const walls = wallsOf(rows)
    .map(
      ([i, j]) =>
        `    <geom name="wall_${i}_${j}" type="box" pos="${i + 1} ${j + 1} 0" size="${WALL_HALF_SIZE} ${WALL_HALF_SIZE} 0.2" conaffinity="1" material="wall"/>`,
    )
    .join('\n');
  const b = BALL_BODY_OFFSET;
  return `<mujoco model="point_maze_${name.replace(/[^\w-]/g, '_')}">
  <compiler inertiafromgeom="true" angle="radian"/>
  <option timestep="0.01" gravity="0 0 0" iterations="20" integrator="Euler"/>
  <default>
    <joint damping="1" limited="false"/>
    <geom friction=".5 .1 .1" density="1000" margin="0.002" condim="1" contype="2" conaffinity="1"
          solref="0.02 1" solimp="0.9 0.95 0.001 0.5 2"/>
  </default>
  <asset>
    <material name="wall" rgba=".7 .5 .3 1"/>
    <material name="target" rgba=".6 .3 .3 1"/>
  </asset>
  <worldbody>
    <geom name="ground" type="plane" size="40 40 0.25" pos="0 0 -0.1" contype="1" conaffinity="0" rgba=".2 .3 .4 1"/>
    <body name="particle" pos="${b} ${b} 0">
      <geom name="particle_geom" type="sphere" size="${BALL_RADIUS}" rgba="0 0 1 1" contype="1"/>
      <site name="particle_site" pos="0 0 0" size="0.2" rgba="0.3 0.6 0.3 1"/>
      <joint name="ball_x" type="slide" pos="0 0 0" axis="1 0 0"/>
      <joint name="ball_y" type="slide" pos="0 0 0" axis="0 1 0"/>
    </body>
    <site name="target_site" pos="0 0 0" size="0.2" material="target"/>
${walls}
  </worldbody>
  <actuator>
    <motor joint="ball_x" ctrlrange="-1 1" ctrllimited="true" gear="100"/>
    <motor joint="ball_y" ctrlrange="-1 1" ctrllimited="true" gear="100"/>
  </actuator>
</mujoco>
`;
}

function wallsOf(rows: readonly string[]): Cell[] {
  const out: Cell[] = [];
  rows.forEach((row, i) => {
    for (let j = 0; j < row.length; j++) if (row[j] === '#') out.push([i, j]);
  });
  return out;
}
