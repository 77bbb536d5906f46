/**
 * A forward pass (and its input-gradient backward pass) of the plain network over a whole batch, with the
 * batch split between the calling thread (samples 0 … ⌈B/2⌉ − 1) and the helper thread (the rest) when the
 * helper is up (plain-network-helper.ts); otherwise, or for B = 1, the plain network alone. The results do
 * not depend on the split: every sample's arithmetic is the same in any batch (the kernels keep one sum per
 * row), so plans are bit for bit the same with one thread or two (test/model/plain-network-split.test.ts).
 * Each hand-over reports how long this thread worked and then waited, so the helper can stop the split while
 * it does not pay (a busy second core; NetworkHelper.worthIt).
 */

import type { PlainNetwork } from './plain-network.js';
import { networkHelper } from './plain-network-helper.js';

const counts = { passes: 0, split: 0 };

/** Batch passes so far, and how many of them were split across two threads (for benchmarks). */
export function batchPassCounts(): { readonly passes: number; readonly split: number } {
  return { ...counts };
}

export interface BatchPass {
  /** Head outputs [T·B·D], time-major (valid until the next pass). */
  readonly out: Float32Array;
  /** dL/dx [T·B·D] for dL/dout [T·B·D] (0 before token `from`); only for a pass made with `tape`. */
  backward(dOut: Float32Array, from: number): Float32Array;
}

/** Forward over z0 [B·z], x [T·B·D], labels [T·B] (see the header); x and z0 must stay unchanged until `backward`. */
export function batchPass(
  net: PlainNetwork,
  z0: Float32Array,
  x: Float32Array,
  labels: Int32Array,
  tape: boolean,
): BatchPass {
  const z = net.latentSize;
  const d = net.tokenSize;
  const b = z0.length / z;
  const helper = b >= 2 && Number.isInteger(b) ? networkHelper() : null;
  counts.passes++;
  // A helper still loading (or warming up) this network's weights is not waited for.
  if (helper === null || !helper.ready(net)) return alone(net, z0, x, labels, tape);
  counts.split++;
  const t = labels.length / b;
  const mine = Math.ceil(b / 2);
  helper.startForward(
    net,
    z0.subarray(mine * z),
    gather(scratch(0, t * (b - mine) * d), x, t, b, mine, b, d),
    gatherLabels(labels, t, b, mine, b),
    tape,
  );
  const t0 = performance.now();
  const own = tape ? net.forwardChain.bind(net) : net.forward.bind(net);
  const ours = own(
    z0.subarray(0, mine * z),
    gather(scratch(1, t * mine * d), x, t, b, 0, mine, d),
    gatherLabels(labels, t, b, 0, mine),
  );
  const t1 = performance.now();
  const theirs = helper.finish();
  helper.record(t1 - t0, performance.now() - t1);
  if (theirs === null) return alone(net, z0, x, labels, tape);
  const out = new Float32Array(t * b * d);
  scatter(out, ours.out, t, b, 0, mine, d);
  scatter(out, theirs, t, b, mine, b, d);
  const oursTape = ours.tape;
  return {
    out,
    backward(dOut, from) {
      gather(helper.inputView(), dOut, t, b, mine, b, d);
      helper.startBackward(from);
      const t2 = performance.now();
      const dMine = net.backwardInputs(
        oursTape!,
        gather(scratch(1, t * mine * d), dOut, t, b, 0, mine, d),
        from,
      );
      const dX = new Float32Array(t * b * d);
      scatter(dX, dMine, t, b, 0, mine, d);
      const t3 = performance.now();
      const dTheirs = helper.finish();
      helper.record(t3 - t2, performance.now() - t3);
      // The helper gave up: the whole batch once more on this thread (same numbers).
      if (dTheirs === null) return alone(net, z0, x, labels, true).backward(dOut, from);
      scatter(dX, dTheirs, t, b, mine, b, d);
      return dX;
    },
  };
}

function alone(
  net: PlainNetwork,
  z0: Float32Array,
  x: Float32Array,
  labels: Int32Array,
  tape: boolean,
): BatchPass {
  const forward = tape ? net.forwardChain(z0, x, labels) : net.forward(z0, x, labels);
  return {
    out: forward.out,
    backward: (dOut, from) => net.backwardInputs(forward.tape!, dOut, from),
  };
}

const scratches: Float32Array[] = [new Float32Array(0), new Float32Array(0)];

function scratch(slot: number, size: number): Float32Array {
  if (scratches[slot]!.length < size) scratches[slot] = new Float32Array(size);
  return scratches[slot]!.subarray(0, size);
}

/** into ← samples [from, to) of src [T·B·D]. */
function gather(
  into: Float32Array,
  src: Float32Array,
  t: number,
  b: number,
  from: number,
  to: number,
  d: number,
): Float32Array {
  const width = (to - from) * d;
  for (let k = 0; k < t; k++) into.set(src.subarray((k * b + from) * d, (k * b + to) * d), k * width);
  return into.subarray(0, t * width);
}

/** Samples [from, to) of dst [T·B·D] ← src. */
function scatter(
  dst: Float32Array,
  src: Float32Array,
  t: number,
  b: number,
  from: number,
  to: number,
  d: number,
): void {
  const width = (to - from) * d;
  for (let k = 0; k < t; k++) dst.set(src.subarray(k * width, (k + 1) * width), (k * b + from) * d);
}

function gatherLabels(labels: Int32Array, t: number, b: number, from: number, to: number): Int32Array {
  const out = new Int32Array(t * (to - from));
  for (let k = 0; k < t; k++) out.set(labels.subarray(k * b + from, k * b + to), k * (to - from));
  return out;
}
