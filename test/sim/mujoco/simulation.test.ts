import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMujoco, type MujocoModule } from '../../../sim/mujoco/load-mujoco.js';
import { MujocoError } from '../../../sim/mujoco/mujoco-error.js';
import { compileModel, Simulation } from '../../../sim/mujoco/simulation.js';
import { DfPlannerError } from '../../../src/errors.js';

// A body on one slide joint, pushed by a unit force; with gravity off and no damping, a = F/m exactly.
const SLIDER = `<mujoco model="slider">
  <option timestep="0.01" gravity="0 0 0" integrator="Euler"/>
  <worldbody>
    <body name="b"><joint name="x" type="slide" axis="1 0 0"/><geom type="sphere" size="0.1" mass="2"/></body>
  </worldbody>
  <actuator><motor joint="x" gear="1"/></actuator>
</mujoco>`;

let mj: MujocoModule;
const open: Simulation[] = [];
beforeAll(async () => {
  mj = await loadMujoco();
});
afterAll(() => {
  for (const s of open) s.close();
});

describe('Simulation', () => {
  it('compiles an MJCF string and steps it with the model timestep', () => {
    const sim = new Simulation(mj, SLIDER, 'slider');
    open.push(sim);
    expect(sim.model.nbody).toBe(2);
    expect(sim.model.opt.timestep).toBe(0.01);
    sim.data.ctrl[0] = 4;
    sim.step();
    // Semi-implicit Euler: v = h·F/m = 0.02, x = h·v = 0.0002.
    expect(sim.data.qvel[0]).toBeCloseTo(0.02, 14);
    expect(sim.data.qpos[0]).toBeCloseTo(0.0002, 14);
    sim.resetData();
    expect(sim.data.qpos[0]).toBe(0);
    expect(sim.data.qvel[0]).toBe(0);
    expect(sim.data.ctrl[0]).toBe(0);
  });

  it('reports MuJoCo parse errors with the engine text', () => {
    const bad = '<mujoco><worldbody><bogus/></worldbody></mujoco>';
    expect(() => new Simulation(mj, bad, 'broken')).toThrow(MujocoError);
    try {
      compileModel(mj, bad, 'broken');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DfPlannerError);
      expect((error as MujocoError).code).toBe('mujoco');
      expect((error as Error).message).toMatch(/broken did not parse: .*unrecognized element.*bogus/);
    }
  });

  it('reports MuJoCo compile errors with the engine text', () => {
    const bad = '<mujoco><worldbody><geom type="box" size="-1 1 1"/></worldbody></mujoco>';
    expect(() => compileModel(mj, bad, 'negative-box')).toThrow(
      /negative-box did not compile: .*size 0 must be positive/,
    );
  });

  it('keeps cached state views live after the WASM heap grows', () => {
    const sim = new Simulation(mj, SLIDER, 'slider');
    open.push(sim);
    const before = sim.state;
    before.qpos[0] = 0.5;
    const heapBytes = before.qpos.buffer.byteLength;
    // A 64 MB arena forces the heap to grow. Views must still alias the simulation afterwards (the package's
    // heap is a SharedArrayBuffer, whose old views stay valid; a detaching build would be caught by the getter).
    const big = new Simulation(mj, SLIDER.replace('<worldbody>', '<size memory="64M"/><worldbody>'), 'big');
    open.push(big);
    expect(big.state.qpos.buffer.byteLength).toBeGreaterThan(heapBytes);
    const after = sim.state;
    expect(after.qpos.length).toBe(1);
    expect(after.qpos[0]).toBe(0.5);
    after.qpos[0] = 0.25;
    expect(sim.data.qpos[0]).toBe(0.25);
    after.ctrl[0] = 4;
    sim.step();
    expect(sim.data.qvel[0]).toBeCloseTo(0.02, 14);
    expect(sim.state.qvel[0]).toBe(sim.data.qvel[0]);
  });

  it('frees its handles once and refuses use after close', () => {
    const sim = new Simulation(mj, SLIDER, 'slider');
    const model = sim.model;
    sim.close();
    expect(sim.closed).toBe(true);
    expect(model.isDeleted()).toBe(true);
    expect(() => sim.close()).not.toThrow();
    expect(() => sim.step()).toThrow(/slider was closed/);
    expect(() => sim.data).toThrow(MujocoError);
  });
});
