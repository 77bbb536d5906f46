/**
 * The live view (`run --live`), tested with the Foxglove WebSocket protocol's own client over loopback: a
 * client sees each topic advertised with its ros2msg schema and cdr encoding, subscribes, receives and decodes
 * exactly what the bus delivered; a client that stops reading loses messages instead of growing the server's
 * memory or holding anyone up, and a client that vanishes mid-stream leaves the others served.
 */
import { parse } from '@foxglove/rosmsg';
import { MessageReader } from '@foxglove/rosmsg2-serialization';
import wsProtocol from '@foxglove/ws-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FoxgloveLiveServer } from '../../src/live/index.js';
import { silentLogger } from '../../src/logging.js';
import { type Bus, createBus, normalizeMessage } from '../../src/transport/index.js';

const { FoxgloveClient } = wsProtocol;
type Channel = {
  id: number;
  topic: string;
  encoding: string;
  schemaName: string;
  schema: string;
  schemaEncoding?: string;
};

interface TestClient {
  readonly client: InstanceType<typeof FoxgloveClient>;
  readonly ws: WebSocket;
  readonly channels: Map<string, Channel>;
  readonly received: Map<number, ArrayBufferView[]>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(bus: Bus, maxBufferedBytes?: number): Promise<FoxgloveLiveServer> {
  const server = await FoxgloveLiveServer.start({
    port: 0,
    ...(maxBufferedBytes ? { maxBufferedBytes } : {}),
  });
  bus.tap(server.tap);
  cleanups.push(() => server.close());
  return server;
}

async function connect(url: string): Promise<TestClient> {
  const ws = new WebSocket(url, [FoxgloveClient.SUPPORTED_SUBPROTOCOL]);
  const client = new FoxgloveClient({ ws });
  const channels = new Map<string, Channel>();
  const received = new Map<number, ArrayBufferView[]>();
  client.on('advertise', (list) => {
    for (const c of list) channels.set(c.topic, c as Channel);
  });
  client.on('message', ({ subscriptionId, data }) => {
    const list = received.get(subscriptionId) ?? [];
    list.push(data);
    received.set(subscriptionId, list);
  });
  await new Promise<void>((resolve, reject) => {
    client.on('open', resolve);
    client.on('error', reject);
  });
  cleanups.push(() => ws.terminate());
  return { client, ws, channels, received };
}

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const odom = (x: number) => ({
  header: { stamp: { sec: 1, nanosec: x }, frame_id: 'odom' },
  child_frame_id: 'base_link',
  pose: { pose: { position: { x, y: -x } } },
});

describe('live view over the Foxglove WebSocket protocol', () => {
  it('advertises topics with ros2msg schemas and cdr; a subscriber receives and decodes every message', async () => {
    const bus = createBus({ logger: silentLogger });
    const server = await startServer(bus);
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const node = bus.node('sim');
    const pubOdom = node.advertise('nav_msgs/msg/Odometry', '/odom', 'sensor');
    const pubDiag = node.advertise('diagnostic_msgs/msg/DiagnosticArray', '/diagnostics', 'default');
    const c = await connect(server.url);
    pubOdom(odom(0)); // first message of a topic: the channel is advertised
    pubDiag({ status: [{ name: 'planner', message: 'tick → command ok' }] });
    await until('two channels', () => c.channels.size === 2);
    const ch = c.channels.get('/odom')!;
    expect(ch).toMatchObject({
      encoding: 'cdr',
      schemaEncoding: 'ros2msg',
      schemaName: 'nav_msgs/msg/Odometry',
    });
    expect(ch.schema).toContain('MSG: geometry_msgs/PoseWithCovariance');
    const sub = c.client.subscribe(ch.id);
    const diagSub = c.client.subscribe(c.channels.get('/diagnostics')!.id);
    await until(
      'the subscriptions to reach the server',
      () => server.stats().topics === 2 && hasSubscribers(),
    );
    function hasSubscribers(): boolean {
      pubOdom(odom(1)); // keep publishing until the subscription is in place
      return (c.received.get(sub)?.length ?? 0) > 0;
    }
    for (let i = 2; i < 12; i++) pubOdom(odom(i));
    pubDiag({ status: [{ name: 'planner', message: 'tick → command ok' }] });
    const reader = new MessageReader(parse(ch.schema, { ros2: true }));
    // The messages published after the subscription was seen (x >= 2), in order.
    const fresh = () =>
      c.received
        .get(sub)!
        .map((d) => reader.readMessage<{ pose: { pose: { position: { x: number } } } }>(d))
        .filter((m) => m.pose.pose.position.x >= 2);
    await until('10 odoms', () => fresh().length >= 10);
    await until('the diagnostics', () => (c.received.get(diagSub)?.length ?? 0) >= 1);
    expect(fresh()).toEqual(
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => normalizeMessage('nav_msgs/msg/Odometry', odom(i))),
    );
    const diagReader = new MessageReader(parse(c.channels.get('/diagnostics')!.schema, { ros2: true }));
    const diag = diagReader.readMessage<{ status: { message: string }[] }>(c.received.get(diagSub)![0]!);
    expect(diag.status[0]!.message).toBe('tick → command ok');
  });

  it('a client that stops reading loses messages (bounded buffer) while a reading client gets every one', async () => {
    const bus = createBus({ logger: silentLogger });
    const bound = 256 * 1024;
    const server = await startServer(bus, bound);
    const node = bus.node('planner');
    const pubPath = node.advertise('nav_msgs/msg/Path', '/plan', 'default');
    // ~57 KB per message: 1000 poses.
    const path = (k: number) => ({
      poses: Array.from({ length: 1000 }, (_, i) => ({ pose: { position: { x: k, y: i } } })),
    });
    const healthy = await connect(server.url);
    const stalled = await connect(server.url);
    pubPath(path(-1));
    await until('the channel', () => healthy.channels.has('/plan') && stalled.channels.has('/plan'));
    const id = healthy.channels.get('/plan')!.id;
    const subH = healthy.client.subscribe(id);
    const subS = stalled.client.subscribe(id);
    await until('both subscribed', () => {
      pubPath(path(-1));
      return (healthy.received.get(subH)?.length ?? 0) > 0 && (stalled.received.get(subS)?.length ?? 0) > 0;
    });
    // The stalled client stops reading its socket: the kernel buffers fill, then the server's.
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const reader = new MessageReader(parse(healthy.channels.get('/plan')!.schema, { ros2: true }));
    let seen = 0;
    const xs: number[] = [];
    const fresh = () => {
      const all = healthy.received.get(subH)!;
      for (; seen < all.length; seen++) {
        const x = reader.readMessage<{ poses: { pose: { position: { x: number } } }[] }>(all[seen]!).poses[0]!
          .pose.position.x;
        if (x >= 0) xs.push(x); // leave out the -1s sent while subscribing
      }
      return xs.length;
    };
    // Publish until the stalled client's kernel buffers and its bounded server buffer are full and drops start
    // (a few MB on loopback), then 20 more; at most 40 MB.
    let n = 0;
    let dropsFrom = -1;
    while (n < 700 && (dropsFrom < 0 || n < dropsFrom + 20)) {
      pubPath(path(n));
      n++;
      await until(`message ${n - 1} at the reading client`, () => fresh() >= n);
      if (dropsFrom < 0 && server.stats().dropped > 0) dropsFrom = n; // ~60 messages (3.4 MB) here
    }
    expect(dropsFrom, 'the stalled client never lost a message').toBeGreaterThan(0);
    expect(xs).toEqual(Array.from({ length: n }, (_, k) => k)); // the reading client lost none
    // Every message after the drops began, for the stalled client only.
    expect(server.stats().dropped).toBeGreaterThanOrEqual(20);
  });

  it('a client that vanishes mid-stream (connection torn down, no close handshake) leaves the others served', async () => {
    const bus = createBus({ logger: silentLogger });
    const server = await startServer(bus);
    const node = bus.node('sim');
    const pub = node.advertise('nav_msgs/msg/Odometry', '/odom', 'sensor');
    const a = await connect(server.url);
    const b = await connect(server.url);
    pub(odom(0));
    await until('channels', () => a.channels.has('/odom') && b.channels.has('/odom'));
    const subA = a.client.subscribe(a.channels.get('/odom')!.id);
    b.client.subscribe(b.channels.get('/odom')!.id);
    await until('a receives', () => {
      pub(odom(1));
      return (a.received.get(subA)?.length ?? 0) > 0;
    });
    (b.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
    const before = a.received.get(subA)!.length;
    for (let i = 0; i < 50; i++) pub(odom(i));
    await until('a keeps receiving', () => a.received.get(subA)!.length >= before + 50);
    await until('the server notices b is gone', () => server.stats().clients === 1);
  });

  it('refuses a port in use with the flag and the fix', async () => {
    const bus = createBus({ logger: silentLogger });
    const server = await startServer(bus);
    await expect(FoxgloveLiveServer.start({ port: server.port })).rejects.toThrow(
      /--live: port \d+ is in use on 127\.0\.0\.1; pick another port/,
    );
  });
});
