/**
 * The second core for the plain network: one helper thread per process that runs forward and backward passes
 * of a PlainNetwork copy on part of a batch while the calling thread runs the rest (plain-network-split.ts
 * divides the batch and joins the halves).
 *
 * Why a split of the batch and not of the rows: a plan's rows are sequential (each row's tokens come from the
 * previous row) and so are a rollout's tokens, but the samples of a batch (MCG chains) are independent through
 * the network; they meet only in the guidance average, which the caller forms after both halves are back.
 * So a guided row costs two hand-overs (forward, then backward after ∂J/∂x̂₀), an unguided row one.
 *
 * Hand-over: shared memory (SharedArrayBuffer) for the inputs and results and an Int32 control block
 * [request, done, kind, tokens, batch, net id, failed, ready, first token of a backward pass]; the caller stores a new request number and
 * notifies, the helper blocks in Atomics.wait, runs the job and stores it as done. Weights and buffer
 * replacements travel as messages on a MessageChannel that the helper drains (receiveMessageOnPort) before each
 * job, so no job waits for the event loop. A network's weights go with a load job that the caller does not wait
 * for: the helper builds its copy and runs a few passes on it (so V8 has optimised the code before the first
 * real job), and until then the caller computes alone; a job is only handed to an idle helper. A helper that
 * fails or does not answer within HELPER_TIMEOUT_MS is
 * abandoned for the rest of the process and the caller computes everything itself (same results: each sample's
 * arithmetic does not depend on which thread or batch it runs in).
 *
 * DF_PLANNER_THREADS=1 (or `setPlainThreads(1)`) keeps everything on the calling thread; so does a machine
 * with one core.
 */
import os from 'node:os';
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  type Worker,
  workerData,
} from 'node:worker_threads';
import { startTsWorker } from '../threads/start-worker.js';
import { PlainNetwork } from './plain-network.js';
import type { ModelConfig } from './types.js';

const REQUEST = 0;
const DONE = 1;
const KIND = 2;
const TOKENS = 3;
const BATCH = 4;
const NET = 5;
const FAILED = 6;
const READY = 7;
const FROM = 8;
const CONTROL_SLOTS = 9;

const KIND_FORWARD = 1;
const KIND_FORWARD_TAPE = 2;
const KIND_BACKWARD = 3;
/** Load the networks posted since the last job (and warm them up); no result. */
const KIND_LOAD = 4;

/**
 * Weight of the newest hand-over in the averages of `worthIt`; hand-overs ignored after a (re)start (both threads'
 * code is still being compiled then, and the helper warms a new network up inside its first job); hand-overs
 * judged; jobs paused when the split does not pay (then it is tried again: about 10 plans of the shipped size,
 * longer after each try that fails again).
 */
const STATS_RATE = 0.1;
const WARMUP_SAMPLES = 20;
const MIN_SAMPLES = 20;
const PAUSE_JOBS = 150;
/** Each pause that follows a failed try is twice the last, up to this (a machine busy for long is tried rarely). */
const MAX_PAUSE_JOBS = 4800;

/** Forward and backward passes a helper runs on a new network before its first job (JIT tier-up). */
const WARMUP_PASSES = 40;

/** How long the helper polls for the next job before it sleeps. */
const SPIN_MS = 0.5;

/** A helper that has not finished a job after this long is abandoned (the caller computes alone). */
export const HELPER_TIMEOUT_MS = 2000;

/** Offsets (floats) of a job's regions in the shared float buffer: z0 [B·z], x / dOut [T·B·D], out / dX. */
function regions(tokens: number, batch: number, z: number, d: number) {
  const align = (n: number) => Math.ceil(n / 4) * 4;
  const z0 = 0;
  const input = align(batch * z);
  const output = input + align(tokens * batch * d);
  return { z0, input, output, end: output + align(tokens * batch * d) };
}

type HelperMessage =
  | { kind: 'net'; id: number; replaces: number; config: ModelConfig; weights: [string, Float32Array][] }
  | { kind: 'buffers'; floats: SharedArrayBuffer; ints: SharedArrayBuffer };

let threads = process.env['DF_PLANNER_THREADS'] === '1' ? 1 : 2;
let shared: NetworkHelper | null = null;

/** 1: never use the helper thread (what DF_PLANNER_THREADS=1 sets); 2: use it when the machine has 2 cores. */
export function setPlainThreads(count: 1 | 2): void {
  threads = count;
  shared?.resetStats();
}

/**
 * The process's helper when it is up and may be used; starts it on first call (returns null until it is ready,
 * and always when threads are off, the machine has one core, or the helper was abandoned).
 */
export function networkHelper(): NetworkHelper | null {
  if (threads < 2 || os.availableParallelism() < 2) return null;
  shared ??= new NetworkHelper();
  return shared.usable && shared.worthIt() ? shared : null;
}

/**
 * Resolves once the helper is ready (true) or known unusable (false); starts it when needed. With `net`, also
 * waits until the helper holds that network's current weights (sending them when it does not), so the next
 * batch pass on it can be split.
 */
export async function awaitNetworkHelper(timeoutMs = 20_000, net?: PlainNetwork): Promise<boolean> {
  if (threads < 2 || os.availableParallelism() < 2) return false;
  shared ??= new NetworkHelper();
  const helper = shared;
  const until = performance.now() + timeoutMs;
  const done = () => helper.broken || (helper.usable && (net === undefined || helper.ready(net)));
  while (!done() && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return helper.usable && (net === undefined || helper.ready(net));
}

/** FLOPs of the dense products the helper thread has run (0 without one). */
export function helperFlops(): number {
  return shared === null ? 0 : shared.flops;
}

export class NetworkHelper {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4));
  readonly #flops = new Float64Array(new SharedArrayBuffer(8));
  #floats: Float32Array = new Float32Array(0);
  #ints: Int32Array = new Int32Array(0);
  #broken = false;
  #ids = new WeakMap<PlainNetwork, { id: number; version: number }>();
  #nextId = 1;
  #job: { tokens: number; batch: number; z: number; d: number } | null = null;
  #own = 0;
  #wait = 0;
  #samples = 0;
  #paused = 0;
  /** Hand-overs still to ignore before judging (see WARMUP_SAMPLES). */
  #warmup = WARMUP_SAMPLES;
  /** Length of the next pause. */
  #pauseLength = PAUSE_JOBS;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = startTsWorker(new URL(import.meta.url), {
      helper: { control: this.#control.buffer, flops: this.#flops.buffer },
    });
    // Transfer the port: workerData cannot carry it, so it goes in the first message.
    this.#worker.postMessage({ port: port2 }, [port2]);
    this.#worker.unref();
    this.#worker.on('error', () => {
      this.#broken = true;
    });
    this.#worker.on('exit', () => {
      this.#broken = true;
    });
    this.#resize(1 << 16, 1 << 12);
  }

  /**
   * Whether splitting currently pays: a split costs the caller its own half plus the wait for the helper's,
   * one thread costs about twice its half, so the split wins while the wait is shorter than the own half.
   * When the second core is busy (other processes) the waits grow; then the caller works alone for
   * PAUSE_JOBS jobs and tries again (pausing twice as long after each failed try, up to MAX_PAUSE_JOBS).
   * Averages are exponential over recent hand-overs.
   */
  worthIt(): boolean {
    if (this.#paused > 0) {
      this.#paused--;
      return false;
    }
    return true;
  }

  /** Forgets the hand-over averages and any pause (the split is tried again at once). */
  resetStats(): void {
    this.#own = 0;
    this.#wait = 0;
    this.#samples = 0;
    this.#paused = 0;
    this.#warmup = WARMUP_SAMPLES;
    this.#pauseLength = PAUSE_JOBS;
  }

  /** Records one hand-over: ms the caller spent on its own half, and ms it then waited for the helper. */
  record(ownMs: number, waitMs: number): void {
    if (this.#warmup > 0) {
      this.#warmup--;
      return;
    }
    this.#own += (ownMs - this.#own) * STATS_RATE;
    this.#wait += (waitMs - this.#wait) * STATS_RATE;
    if (++this.#samples < MIN_SAMPLES) return;
    if (this.#wait <= this.#own) {
      if (this.#samples === MIN_SAMPLES) this.#pauseLength = PAUSE_JOBS; // a try that paid
    } else {
      this.#paused = this.#pauseLength;
      this.#pauseLength = Math.min(2 * this.#pauseLength, MAX_PAUSE_JOBS);
      this.#samples = 0;
      this.#own = 0;
      this.#wait = 0;
      // The first hand-overs after the pause wake a helper that slept through it.
      this.#warmup = 2;
    }
  }

  get usable(): boolean {
    return !this.#broken && Atomics.load(this.#control, READY) === 1;
  }

  get broken(): boolean {
    return this.#broken;
  }

  get flops(): number {
    return this.#flops[0]!;
  }

  /**
   * Whether a job on `net` can start now without waiting: the helper is idle and holds the current snapshot of
   * `net`. When it does not hold it yet, the weights are sent with a load job (the helper builds and warms the
   * copy up in the background) and the answer is false until that is done, so the caller computes alone
   * meanwhile instead of waiting for it.
   */
  ready(net: PlainNetwork): boolean {
    const control = this.#control;
    const idle = Atomics.load(control, DONE) === Atomics.load(control, REQUEST);
    const entry = this.#ids.get(net);
    if (entry !== undefined && entry.version === net.version) return idle;
    if (!idle) return false;
    const id = this.#netId(net);
    this.#request(KIND_LOAD, 0, 0, id);
    return false;
  }

  /**
   * Starts a forward pass of `net`'s copy over z0 [B·z], x [T·B·D] and labels [T·B] (copied into shared memory
   * now); with `tape` a later `startBackward` may follow. Collect it with `finish`.
   */
  startForward(
    net: PlainNetwork,
    z0: Float32Array,
    x: Float32Array,
    labels: Int32Array,
    tape: boolean,
  ): void {
    const id = this.#netId(net);
    const z = net.latentSize;
    const d = net.tokenSize;
    const batch = z0.length / z;
    const tokens = labels.length / batch;
    const r = regions(tokens, batch, z, d);
    if (r.end > this.#floats.length || labels.length > this.#ints.length) {
      this.#resize(Math.max(r.end, this.#floats.length * 2), Math.max(labels.length, this.#ints.length * 2));
    }
    this.#floats.set(z0, r.z0);
    this.#floats.set(x, r.input);
    this.#ints.set(labels, 0);
    this.#job = { tokens, batch, z, d };
    this.#request(tape ? KIND_FORWARD_TAPE : KIND_FORWARD, tokens, batch, id);
  }

  /** Views (valid until the next job) of the inputs of a job shaped like the last forward one. */
  inputView(): Float32Array {
    const job = this.#job!;
    const r = regions(job.tokens, job.batch, job.z, job.d);
    return this.#floats.subarray(r.input, r.input + job.tokens * job.batch * job.d);
  }

  /**
   * Starts the backward pass of the last taped forward job (from token `from` on, see
   * PlainNetwork.backwardInputs): dOut [T·B·D] written into `inputView()` first.
   */
  startBackward(from: number): void {
    const job = this.#job!;
    Atomics.store(this.#control, FROM, from);
    this.#request(KIND_BACKWARD, job.tokens, job.batch, Atomics.load(this.#control, NET));
  }

  /**
   * Waits for the job; its result (out or dX [T·B·D]) as a view valid until the next job, or null when the
   * helper failed or timed out (it is then abandoned; the caller computes the part itself).
   */
  finish(): Float32Array | null {
    const control = this.#control;
    const want = Atomics.load(control, REQUEST);
    // A short spin first: a row's half takes well under a millisecond, and a futex wake costs tens of µs.
    for (let i = 0; i < 20_000 && Atomics.load(control, DONE) !== want; i++);
    const until = performance.now() + HELPER_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done === want) break;
      const left = until - performance.now();
      if (left <= 0) {
        this.#abandon();
        return null;
      }
      Atomics.wait(control, DONE, done, left);
    }
    if (Atomics.load(control, FAILED) !== 0) {
      this.#abandon();
      return null;
    }
    const job = this.#job!;
    const r = regions(job.tokens, job.batch, job.z, job.d);
    return this.#floats.subarray(r.output, r.output + job.tokens * job.batch * job.d);
  }

  #request(kind: number, tokens: number, batch: number, net: number): void {
    const control = this.#control;
    Atomics.store(control, KIND, kind);
    Atomics.store(control, TOKENS, tokens);
    Atomics.store(control, BATCH, batch);
    Atomics.store(control, NET, net);
    Atomics.add(control, REQUEST, 1);
    Atomics.notify(control, REQUEST);
  }

  /** The helper's id of `net`, sending the weights first when it has none or an older snapshot. */
  #netId(net: PlainNetwork): number {
    let entry = this.#ids.get(net);
    if (entry === undefined || entry.version !== net.version) {
      const replaces = entry?.id ?? 0;
      entry = { id: this.#nextId++, version: net.version };
      this.#ids.set(net, entry);
      this.#post({ kind: 'net', id: entry.id, replaces, config: net.config, weights: [...net.weights()] });
      this.#warmup = WARMUP_SAMPLES;
    }
    return entry.id;
  }

  #resize(floats: number, ints: number): void {
    const f = new SharedArrayBuffer(floats * 4);
    const i = new SharedArrayBuffer(ints * 4);
    this.#floats = new Float32Array(f);
    this.#ints = new Int32Array(i);
    this.#post({ kind: 'buffers', floats: f, ints: i });
  }

  #post(message: HelperMessage): void {
    this.#port.postMessage(message);
  }

  #abandon(): void {
    this.#broken = true;
    void this.#worker.terminate();
  }
}

// ── the helper thread ──

interface HelperData {
  control: SharedArrayBuffer;
  flops: SharedArrayBuffer;
}

const helperData = (workerData as { data?: { helper?: HelperData } } | null)?.data?.helper;
if (helperData !== undefined) {
  const { parentPort } = await import('node:worker_threads');
  const first = await new Promise<{ port: MessagePort }>((resolve) =>
    parentPort!.once('message', (m: { port: MessagePort }) => resolve(m)),
  );
  serve(helperData, first.port);
}

function serve(data: HelperData, port: MessagePort): never {
  const control = new Int32Array(data.control);
  const flops = new Float64Array(data.flops);
  const nets = new Map<number, PlainNetwork>();
  /** FLOPs of each network's warm-up (not part of the jobs' count). */
  const warmed = new Map<number, number>();
  let floats: Float32Array = new Float32Array(0);
  let ints: Int32Array = new Int32Array(0);
  let seen = Atomics.load(control, REQUEST);
  let taped: {
    net: PlainNetwork;
    tape: NonNullable<ReturnType<PlainNetwork['forwardChain']>['tape']>;
  } | null = null;
  Atomics.store(control, READY, 1);
  for (;;) {
    // Spin briefly before sleeping: within a plan the next job comes within a fraction of a millisecond, and
    // waking a sleeping thread (a futex wake) costs the caller tens of µs or, on a busy machine, its time slice.
    const spinUntil = performance.now() + SPIN_MS;
    while (Atomics.load(control, REQUEST) === seen && performance.now() < spinUntil);
    Atomics.wait(control, REQUEST, seen);
    const request = Atomics.load(control, REQUEST);
    if (request === seen) continue;
    seen = request;
    try {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const message = m.message as HelperMessage;
        if (message.kind === 'net') {
          nets.delete(message.replaces);
          warmed.delete(message.replaces);
          const fresh = PlainNetwork.fromWeights(message.config, new Map(message.weights));
          warmUp(fresh);
          nets.set(message.id, fresh);
          warmed.set(message.id, fresh.denseFlops);
        } else {
          floats = new Float32Array(message.floats);
          ints = new Int32Array(message.ints);
        }
      }
      const kind = Atomics.load(control, KIND);
      const net = nets.get(Atomics.load(control, NET));
      if (net === undefined) throw new Error('internal: helper job for an unknown network');
      if (kind === KIND_LOAD) {
        Atomics.store(control, DONE, seen);
        continue;
      }
      const tokens = Atomics.load(control, TOKENS);
      const batch = Atomics.load(control, BATCH);
      const z = net.latentSize;
      const d = net.tokenSize;
      const n = tokens * batch * d;
      const r = regions(tokens, batch, z, d);
      if (kind === KIND_BACKWARD) {
        if (taped === null || taped.net !== net) throw new Error('internal: helper backward without a tape');
        const from = Atomics.load(control, FROM);
        floats.set(net.backwardInputs(taped.tape, floats.subarray(r.input, r.input + n), from), r.output);
      } else {
        const z0 = floats.subarray(r.z0, r.z0 + batch * z);
        const x = floats.subarray(r.input, r.input + n);
        const labels = ints.subarray(0, tokens * batch);
        const result =
          kind === KIND_FORWARD_TAPE ? net.forwardChain(z0, x, labels) : net.forward(z0, x, labels);
        taped = result.tape === null ? null : { net, tape: result.tape };
        floats.set(result.out, r.output);
      }
      let total = 0;
      for (const [id, each] of nets) total += each.denseFlops - (warmed.get(id) ?? 0);
      flops[0] = total;
    } catch {
      Atomics.store(control, FAILED, 1);
    }
    Atomics.store(control, DONE, seen);
    Atomics.notify(control, DONE);
  }
}

/**
 * A few passes over a small batch of zeros, so V8 has optimised the network's code (JS and wasm tiers) before
 * the first job: the caller's thread is warm from its own passes, and a cold helper would make the split look
 * slower than it is.
 */
function warmUp(net: PlainNetwork): void {
  const batch = 4;
  const tokens = 8;
  const z0 = new Float32Array(batch * net.latentSize);
  const x = new Float32Array(tokens * batch * net.tokenSize);
  const labels = new Int32Array(tokens * batch);
  const dOut = new Float32Array(x.length).fill(1e-3);
  for (let i = 0; i < WARMUP_PASSES; i++) {
    const pass = net.forwardChain(z0, x, labels);
    net.backwardInputs(pass.tape!, dOut, 0);
  }
}
