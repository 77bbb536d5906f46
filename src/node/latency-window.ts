/**
 * A fixed-size window of the most recent latencies (ms) with nearest-rank percentiles, for the node's
 * diagnostics. Preallocated: recording never allocates, so a long soak stays flat in memory.
 */
export class LatencyWindow {
  readonly #values: Float64Array;
  readonly #scratch: Float64Array;
  #next = 0;
  #filled = 0;
  #total = 0;
  #max = 0;

  constructor(capacity = 1000) {
    this.#values = new Float64Array(capacity);
    this.#scratch = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.#values[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#filled < this.#values.length) this.#filled += 1;
    this.#total += 1;
    if (ms > this.#max) this.#max = ms;
  }

  /** Samples recorded since construction (not only those in the window). */
  get count(): number {
    return this.#total;
  }

  /** Largest sample ever recorded; null before the first (never NaN, so no summary prints "NaN ms"). */
  get max(): number | null {
    return this.#total === 0 ? null : this.#max;
  }

  /** Nearest-rank percentile q ∈ [0, 100] over the window; null when empty (never NaN). */
  percentile(q: number): number | null {
    const n = this.#filled;
    if (n === 0) return null;
    const sorted = this.#scratch.subarray(0, n);
    sorted.set(this.#values.subarray(0, n));
    sorted.sort();
    const rank = Math.min(n, Math.max(1, Math.ceil((q / 100) * n)));
    return sorted[rank - 1]!;
  }
}
