/**
 * The compiled Maze2D model against docs/maze2d.md §2.2 / §5.1 (constants read back from MuJoCo) and the
 * free-space golden vectors F1/F2 of §5.5. Tolerances: constants exact or 1e-12; F1/F2 at 1e-6 (the
 * reference prints 6–8 significant digits).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAZE_LAYOUTS, type MazeName, wallCells } from '../../../sim/maze2d/layouts.js';
import { layoutMjcf, mazeMjcf, mazeWalls } from '../../../sim/maze2d/mjcf.js';
import { loadMujoco, type MujocoModule } from '../../../sim/mujoco/load-mujoco.js';
import { Simulation } from '../../../sim/mujoco/simulation.js';

let mj: MujocoModule;
const sims: Simulation[] = [];
beforeAll(async () => {
  mj = await loadMujoco();
});
afterAll(() => {
  for (const s of sims) s.close();
});
/** Geom index by name: MuJoCo orders geoms by body (world geoms first), not by XML order. */
function geomId(sim: Simulation, name: string): number {
  const id = mj.mj_name2id(sim.model, mj.mjtObj.mjOBJ_GEOM.value, name);
  expect(id, `geom ${name}`).toBeGreaterThanOrEqual(0);
  return id;
}
function compile(xml: string, name: string): Simulation {
  const sim = new Simulation(mj, xml, name);
  sims.push(sim);
  return sim;
}

const WALL_COUNTS: Record<MazeName, number> = { umaze: 18, medium: 38, large: 62 };

describe.each(['umaze', 'medium', 'large'] as const)('mazeMjcf(%s)', (maze) => {
  it('has one ball body, a ground plane and one box per wall cell', () => {
    const { model } = compile(mazeMjcf(maze), maze);
    expect(wallCells(maze).length).toBe(WALL_COUNTS[maze]);
    expect(model.nbody).toBe(2);
    expect(model.ngeom).toBe(2 + WALL_COUNTS[maze]);
    expect(model.nq).toBe(2);
    expect(model.nv).toBe(2);
    expect(model.nu).toBe(2);
  });

  it('places the ball at world (1.2, 1.2) and walls at world (i+1, j+1), i.e. qpos (i−0.2, j−0.2)', () => {
    const sim = compile(mazeMjcf(maze), maze);
    const { model } = sim;
    expect(Array.from(model.body_pos.slice(3, 6))).toEqual([1.2, 1.2, 0]);
    const walls = mazeWalls(maze);
    expect(walls.length).toBe(WALL_COUNTS[maze]);
    for (const w of walls) {
      const [i, j] = w.cell;
      const g = geomId(sim, `wall_${i}_${j}`);
      expect(Array.from(model.geom_pos.slice(3 * g, 3 * g + 3))).toEqual([i + 1, j + 1, 0]);
      expect(Array.from(model.geom_size.slice(3 * g, 3 * g + 3))).toEqual([0.5, 0.5, 0.2]);
      expect(w.xMin).toBeCloseTo(i - 0.7, 12);
      expect(w.xMax).toBeCloseTo(i + 0.3, 12);
      expect(w.yMin).toBeCloseTo(j - 0.7, 12);
      expect(w.yMax).toBeCloseTo(j + 0.3, 12);
      expect(MAZE_LAYOUTS[maze][i]![j]).toBe('#');
    }
  });
});

describe('Maze2D physics constants (umaze model)', () => {
  it('matches §5.1: mass, damping, timestep, Euler, no gravity, 20 iterations', () => {
    const { model } = compile(mazeMjcf('umaze'), 'umaze');
    expect(model.body_mass[1]).toBeCloseTo((4000 / 3) * Math.PI * 0.001, 12); // 4.18879020 kg
    expect(model.body_mass[1]).toBeCloseTo(4.1887902, 7);
    expect(Array.from(model.dof_damping)).toEqual([1, 1]);
    expect(Array.from(model.dof_armature)).toEqual([0, 0]);
    expect(Array.from(model.jnt_type)).toEqual([
      mj.mjtJoint.mjJNT_SLIDE.value,
      mj.mjtJoint.mjJNT_SLIDE.value,
    ]);
    expect(Array.from(model.jnt_limited)).toEqual([0, 0]);
    expect(model.opt.timestep).toBe(0.01);
    expect(model.opt.integrator).toBe(mj.mjtIntegrator.mjINT_EULER.value);
    expect(model.opt.iterations).toBe(20);
    expect(Array.from(model.opt.gravity)).toEqual([0, 0, 0]);
  });

  it('has motors with gear 100 and ctrlrange [−1, 1], clamped', () => {
    const { model } = compile(mazeMjcf('umaze'), 'umaze');
    expect(model.actuator_gear[0]).toBe(100);
    expect(model.actuator_gear[6]).toBe(100);
    expect(Array.from(model.actuator_ctrlrange)).toEqual([-1, 1, -1, 1]);
    expect(Array.from(model.actuator_ctrllimited)).toEqual([1, 1]);
  });

  it('sets contact parameters: condim 1, solref (0.02, 1), solimp (0.9, 0.95, 0.001, 0.5, 2), margin 0.002', () => {
    const sim = compile(mazeMjcf('umaze'), 'umaze');
    const { model } = sim;
    const solimp = [0.9, 0.95, 0.001, 0.5, 2];
    for (let g = 0; g < model.ngeom; g++) {
      expect(model.geom_condim[g]).toBe(1);
      expect(model.geom_margin[g]).toBe(0.002);
      expect(Array.from(model.geom_solref.slice(2 * g, 2 * g + 2))).toEqual([0.02, 1]);
      Array.from(model.geom_solimp.slice(5 * g, 5 * g + 5)).forEach((v, k) => {
        expect(v).toBeCloseTo(solimp[k]!, 12);
      });
    }
    // ground: contype 1 / conaffinity 0; ball: 1 / 1; walls: 2 / 1 (ball–wall collide, walls never pair).
    const ground = geomId(sim, 'ground');
    const ball = geomId(sim, 'particle_geom');
    expect([model.geom_contype[ground], model.geom_conaffinity[ground]]).toEqual([1, 0]);
    expect([model.geom_contype[ball], model.geom_conaffinity[ball]]).toEqual([1, 1]);
    expect(model.geom_type[ball]).toBe(mj.mjtGeom.mjGEOM_SPHERE.value);
    expect(model.geom_size[3 * ball]).toBe(0.1);
    for (let g = 0; g < model.ngeom; g++) {
      if (g === ground || g === ball) continue;
      expect([model.geom_contype[g], model.geom_conaffinity[g]]).toEqual([2, 1]);
      expect(model.geom_type[g]).toBe(mj.mjtGeom.mjGEOM_BOX.value);
    }
  });
});

describe('free-space dynamics (§5.2, §5.5 F1/F2)', () => {
  it('F1: one full-throttle step from rest gives vx = 0.23816384, x += 0.00238164', () => {
    const sim = compile(mazeMjcf('umaze'), 'umaze');
    sim.data.qpos[0] = 2;
    sim.data.qpos[1] = 3;
    sim.data.ctrl[0] = 1;
    sim.step();
    expect(sim.data.qvel[0]).toBeCloseTo(0.23816384, 8);
    expect(sim.data.qpos[0]! - 2).toBeCloseTo(0.00238164, 8);
    expect(sim.data.qvel[1]).toBe(0);
  });

  it('F2: u = (1, −1) held 240 steps under the ±5 pre-step clip saturates at ±5.2262556', () => {
    // An open floor (no walls) so 240 steps of travel (~12 units) stay in free space.
    const floor = Array.from({ length: 3 }, () => 'OOO');
    const sim = compile(layoutMjcf(floor, 'open-floor'), 'open-floor');
    expect(sim.model.ngeom).toBe(2);
    const { qvel, ctrl } = sim.data;
    ctrl[0] = 1;
    ctrl[1] = -1;
    for (let t = 0; t < 240; t++) {
      for (let k = 0; k < 2; k++) qvel[k] = Math.min(5, Math.max(-5, qvel[k]!));
      sim.step();
    }
    expect(qvel[0]).toBeCloseTo(5.226256, 6);
    expect(qvel[1]).toBeCloseTo(-5.226256, 6);
  });

  it('treats joint damping implicitly: v′ = 0.99761836·v + 0.23816384·u', () => {
    const sim = compile(layoutMjcf(['O'], 'point'), 'point');
    const { qvel, ctrl } = sim.data;
    let v = 3;
    qvel[0] = v;
    for (let t = 0; t < 50; t++) {
      const u = Math.sin(t);
      ctrl[0] = u;
      sim.step();
      v = (4.18879020478639 * v + 0.01 * 100 * u) / (4.18879020478639 + 0.01);
      expect(qvel[0]).toBeCloseTo(v, 12);
    }
  });
});
