import { describe, expect, it } from 'vitest';
import { ConfigError, TransportError } from '../../src/errors.js';
import type { Logger } from '../../src/logging.js';
import {
  createBus,
  createTransport,
  expandTopicName,
  parseRosArgs,
  resolveTopicName,
} from '../../src/transport/index.js';

describe('parseRosArgs', () => {
  it('reads only --ros-args sections, in order, until --', () => {
    const args = parseRosArgs([
      'planner',
      '-p',
      'not_ros:=1',
      '--ros-args',
      '-r',
      'cmd_vel:=/r/cmd_vel',
      '--params-file',
      'a.yaml',
      '-p',
      'planner:rate:=20.0',
      '--',
      '--model',
      'x',
      '--ros-args',
      '--param',
      'seed:=3',
      '--remap',
      '__ns:=/fleet',
      '--log-level',
      'planner:=debug',
      '-e',
      'enclave',
      '--disable-rosout-logs',
    ]);
    expect(args.remaps).toEqual([{ from: 'cmd_vel', to: '/r/cmd_vel' }]);
    expect(args.params).toEqual([
      { kind: 'file', path: 'a.yaml' },
      { kind: 'param', node: 'planner', name: 'rate', value: 20 },
      { kind: 'param', name: 'seed', value: 3n },
    ]);
    expect(args.namespace).toBe('/fleet');
    expect(args.nodeName).toBeUndefined();
    expect(args.logLevel).toBe('debug');
  });

  it('keeps ":=" inside a value and reports every bad argument', () => {
    expect(parseRosArgs(['--ros-args', '-p', 'url:=http://a:1']).params).toEqual([
      { kind: 'param', name: 'url', value: 'http://a:1' },
    ]);
    let err: unknown;
    try {
      parseRosArgs([
        '--ros-args',
        '--bogus',
        '-r',
        'nodelimiter',
        '--log-level',
        'loud',
        '-p',
        'x:=[1, 2.0]',
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual([
      '--bogus',
      '-r nodelimiter',
      '--log-level',
      '-p x:=[1, 2.0]',
    ]);
  });
});

describe('name expansion', () => {
  it('expands relative, private and absolute names like rcl', () => {
    expect(expandTopicName('odom', 'planner', '/')).toBe('/odom');
    expect(expandTopicName('odom', 'planner', '/r1')).toBe('/r1/odom');
    expect(expandTopicName('~/plan', 'planner', '/r1')).toBe('/r1/planner/plan');
    expect(expandTopicName('~', 'planner', '/')).toBe('/planner');
    expect(expandTopicName('/tf', 'planner', '/r1')).toBe('/tf');
    for (const bad of ['a b', '/a/', '1abc', 'a//b', '~x']) {
      expect(() => expandTopicName(bad, 'planner', '/')).toThrow(TransportError);
    }
  });

  it('applies the first matching remap, node-prefixed rules only to that node', () => {
    const remaps = [
      { node: 'other', from: 'odom', to: '/other/odom' },
      { from: '/r1/odom', to: 'state' },
      { from: 'odom', to: '/never' },
    ];
    expect(resolveTopicName('odom', 'planner', '/r1', remaps)).toBe('/r1/state');
    expect(resolveTopicName('odom', 'other', '/r1', remaps)).toBe('/other/odom');
    expect(resolveTopicName('plan', 'planner', '/r1', remaps)).toBe('/r1/plan');
  });
});

describe('createTransport', () => {
  it("'bus' joins the given bus and honours --log-level", async () => {
    const lines: string[] = [];
    const logger: Logger = {
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    };
    const bus = createBus({ logger });
    const quiet = await createTransport('bus', 'quiet', [], { bus });
    const chatty = await createTransport('bus', 'chatty', ['--ros-args', '--log-level', 'debug'], {
      bus,
      namespace: '/r1',
    });
    quiet.log('debug', 'hidden');
    chatty.log('debug', 'shown');
    expect(lines).toEqual(['debug: [/r1/chatty] shown']);
    const got: number[] = [];
    chatty.observe('std_msgs/msg/Float32', '/x', 'default').subscribe((r) => got.push(r.msg.data));
    quiet.advertise('std_msgs/msg/Float32', '/x', 'default')({ data: 2 });
    chatty.start();
    await bus.idle();
    expect(got).toEqual([2]);
    await bus.close();
  });

  it('refuses an unknown kind', async () => {
    await expect(createTransport('dds' as never, 'n', [])).rejects.toThrow(/unknown transport 'dds'/);
  });
});
