/** `df-planner sim-node` as a process: alone on the bus it steps with zero commands and reports; ROS is refused here. */
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('df-planner sim-node', () => {
  it('alone on the bus: steps in real time with the zero command, every step a counted miss', () => {
    const r = runCli([
      'sim-node',
      '--transport',
      'bus',
      '--task',
      'maze2d-umaze',
      '--max-steps',
      '20',
      '--seed',
      '4',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.config).toMatchObject({ task: 'maze2d-umaze', seed: 4, maxSteps: 20, lockstep: false });
    expect(out.episodes[0]).toMatchObject({
      steps: 20,
      commandsApplied: 0,
      zeroCommandSteps: out.episodes[0].deadlineMisses,
    });
    expect(out.episodes[0].deadlineMisses + out.episodes[0].catchUpSteps).toBe(20);
    expect(r.stderr).toContain('alone on an in-process bus');
  });

  it('takes parameters after --ros-args over its flags, and prints its parameter table', () => {
    const r = runCli([
      'sim-node',
      '--transport',
      'bus',
      '--max-steps',
      '5',
      '--json',
      '--task',
      'maze2d-medium',
      '--ros-args',
      '-p',
      'task:=maze2d-umaze',
      '-p',
      'start:=[3.0, 3.0]',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.task).toBe('maze2d-umaze');
    expect(out.episodes[0].start).toEqual([3, 3]);
    const t = runCli(['sim-node', '--params']);
    expect(t.status).toBe(0);
    for (const name of [
      'task',
      'lockstep',
      'seed',
      'episodes',
      'max_steps',
      'real_time_factor',
      'wait_for_controller',
      'start',
    ]) {
      expect(t.stdout).toContain(`| \`${name}\` |`);
    }
  });

  it('refuses a bad parameter, naming it', () => {
    const bad = runCli(['sim-node', '--transport', 'bus', '--ros-args', '-p', 'real_time_factor:=2']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('real_time_factor');
  });

  it.skipIf(process.env['ROS_DISTRO'] !== undefined)(
    'refuses --transport ros without a sourced ROS 2',
    () => {
      const ros = runCli(['sim-node', '--transport', 'ros']);
      expect(ros.status).toBe(1);
      expect(ros.stderr).toContain("transport 'ros' needs ROS 2");
    },
  );
});
