/**
 * Weight gradients of the Diffusion Forcing network (create-model.ts) in plain Float32Arrays: the training
 * counterpart of plain-network.ts, which only forms input gradients for guidance. One call runs the taped
 * forward pass over T·B tokens, then the backward pass through time, and leaves dL/dθ for every weight in
 * `gradient(name)`. tfjs stays the reference: test/train/plain-gradients.test.ts checks every gradient against
 * tf.variableGrads on the same weights and draws.
 *
 * Notation as in plain-network.ts (rows time-major, n = t·B + b; N = T·B; matrices [in, out], y = x·W + b):
 *   P_n   = x_n·[W1x | Wsx] + c(k_n),  c(k) = e(k)·[W1e | Wse] + [b1 | bs],  e(k) = act(f(k)·W1 + b1)·W2 + b2
 *   Z_t   = z_{t−1}·[W1z | Wsz | Whh] + [0 | 0 | b_hh]
 *   activation layers l = 0 … A−1 (A = 4(L−1)): pre block 0 inner/out, pre blocks 1 … L−2 inner/out, then the
 *   same for the post-MLP; each is taped for all N rows (its output, act′ at its input, and — in the backward
 *   pass — the gradient at its input, which is the dY of the linear layer feeding it).
 *   gi    = h·F + f,  F = W_out·W_ih,  f = b_out·W_ih + b_ih  (pre.out fused into the GRU input, as in the model)
 *   r, u  = σ(gi_r + Z_r), σ(gi_u + Z_u);  n = tanh(gi_n + r∘Z_n);  g = n + u∘(z_{t−1} − n)
 *   z_t   = p·W_out + b_out;  out_n = z_n·W_head + b_head
 *
 * Backward: per step (t = T−1 … 0) only the B-row products that carry the gradient through time; every
 * weight gradient is then one large product over all N rows, dW = Xᵀ·dY, db = Σ_rows dY (that is where the
 * FLOPs are, and large products are what the SIMD kernel is fast at). The fused F, f are split back by the
 * chain rule: dW_out = dF·W_ihᵀ, dW_ih = W_outᵀ·dF + b_outᵀ·df, db_out = df·W_ihᵀ, db_ih = df. The level part
 * is differentiated for all K levels at once from dc(k) = Σ_{n: k_n = k} dP_n.
 *
 * Kernels: the dense products of plain-network-kernels.ts (WebAssembly SIMD where available, else JS), and
 * with SIMD its fused element-wise kernels for ELU and the GRU gates (polynomial exp; the backward pass's
 * element-wise products stay JS: no exp there); all arrays live in the kernels' memory. Sums are float32 in the kernels, float64 in the bias column sums, so
 * gradients agree with tfjs to float32 rounding (≈1e-5 relative), not bit for bit; a run of this engine is
 * deterministic, so its resumed runs equal its uninterrupted ones bit for bit.
 */
import { ConfigError, InputError } from '../errors.js';
import { levelFeatureTable } from '../model/level-features.js';
import { ACT_ELU, activate, activationCodes, sigmoid } from '../model/plain-activations.js';
import {
  jsKernels,
  type KernelKind,
  type Kernels,
  simdAvailable,
  simdFloats,
  simdKernels,
} from '../model/plain-network-kernels.js';
import type { ModelConfig } from '../model/types.js';
import { defaultActivation } from '../model/validate-model-config.js';
import { observationSize, tokenSize } from '../tasks/token-layout.js';

/** A linear layer in the kernels' memory, with both layouts (forward reads one, backward the other). */
interface Layer {
  readonly n: number;
  readonly m: number;
  /** W [n][m]. */
  readonly w: Float32Array;
  /** Wᵀ [m][n]. */
  readonly wt: Float32Array;
  readonly b: Float32Array;
  /** dW [n][m] and db [m] of the last backward pass. */
  readonly dw: Float32Array;
  readonly db: Float32Array;
}

/** One training batch as the plain engine takes it (time-major, like the tfjs loss). */
export interface PlainBatchInput {
  readonly tokens: number;
  readonly batch: number;
  /** Noisy tokens x^k [T·B·D]. */
  readonly xNoisy: Float32Array;
  /** Levels k [T·B], integers 0 … K−1. */
  readonly levels: Int32Array;
  /** Normalised first observation [B·O] (encoder models), else null. */
  readonly firstObservation: Float32Array | null;
}

export interface PlainGradientOptions {
  /** Dense kernels: 'simd' (default where WebAssembly SIMD validates) or 'js'. */
  readonly kernels?: KernelKind;
}

/**
 * Forward and backward of one model config over plain arrays. Load weights with `setWeights`, run `forward`,
 * then `backward(dOut)`; `gradient(name)` then holds dL/dθ (views, valid until the next backward call).
 */
export class PlainGradients {
  readonly config: ModelConfig;
  readonly weightNames: readonly string[];
  readonly latentSize: number;
  readonly hiddenWidth: number;
  readonly tokenSize: number;
  readonly levels: number;
  readonly kernels: KernelKind;
  readonly #act: number;
  readonly #mlpLayers: number;
  readonly #e: number;
  readonly #obs: number;
  readonly #initWidth: number;
  /** Activation layers per step. */
  readonly #a: number;
  /** Weight name → size, in the model's order. */
  readonly #sizes: Map<string, number>;
  #k!: Kernels;
  #zeros!: Float32Array;
  #weights = new Map<string, Float32Array>();
  #grads = new Map<string, Float32Array>();
  #layers!: {
    level1: Layer;
    level2: Layer;
    levelOut: Layer;
    xProj: Layer;
    zProj: Layer;
    preW2: Layer;
    preBlocks: Layer[];
    gruIn: Layer;
    wih: Layer;
    postW1: Layer;
    postW2: Layer;
    postWs: Layer | null;
    postBlocks: Layer[];
    postOut: Layer;
    head: Layer;
    init: Layer[];
  };
  // Tape and work buffers (kernel memory), sized for #rowCap rows and #batchCap batch.
  #rowCap = 0;
  #batchCap = 0;
  #buf = new Map<string, Float32Array>();
  #forwardDone: { tokens: number; batch: number; levels: Int32Array } | null = null;
  #levelsTape = new Int32Array(0);
  /** Loss scratch (x^k in, dL/dout) reused across steps: see `scratch`. */
  #scratch = new Map<string, Float32Array>();

  constructor(
    config: ModelConfig,
    weightNames: readonly string[],
    sizes: readonly number[],
    options: PlainGradientOptions = {},
  ) {
    const activation = config.activation ?? defaultActivation;
    const code = activationCodes[activation];
    if (code === undefined) {
      throw new ConfigError(
        `the plain training engine has no activation '${String(activation)}'; train with --engine tfjs`,
        'activation',
      );
    }
    const kind = options.kernels ?? (simdAvailable() ? 'simd' : 'js');
    if (kind === 'simd' && !simdAvailable()) {
      throw new ConfigError(
        "this JavaScript engine has no WebAssembly SIMD; use the 'js' kernels",
        'kernels',
      );
    }
    this.config = config;
    this.kernels = kind;
    this.weightNames = weightNames;
    this.#sizes = new Map(weightNames.map((name, i) => [name, sizes[i]!]));
    this.#act = code;
    this.latentSize = config.latentSize;
    this.hiddenWidth = config.hiddenWidth;
    this.tokenSize = tokenSize(config.layout);
    this.levels = config.noise.levels;
    this.#mlpLayers = config.mlpLayers;
    this.#e = config.levelEmbeddingSize;
    this.#obs = observationSize(config.layout);
    this.#initWidth = config.initEncoderWidth;
    this.#a = 4 * (config.mlpLayers - 1);
    this.#place(1, 1);
  }

  /** Copies the weights in (name → values, [in, out] matrices as the model stores them). */
  setWeights(values: ReadonlyMap<string, Float32Array> | ((name: string) => Float32Array)): void {
    const read = typeof values === 'function' ? values : (name: string) => values.get(name)!;
    for (const [name, size] of this.#sizes) {
      const v = read(name);
      if (v === undefined || v.length !== size) {
        throw new InputError(
          `plain gradients: weight '${name}' needs ${size} values, got ${v?.length ?? 'none'}`,
        );
      }
      this.#weights.get(name)!.set(v);
    }
    this.#refreshLayers();
    this.#forwardDone = null;
  }

  /**
   * A plain Float32Array of `size` values kept for the caller across calls (the loss's x^k and dL/dout, so a
   * training step allocates nothing per step once sizes settle). Contents are the caller's.
   */
  scratch(key: string, size: number): Float32Array {
    let v = this.#scratch.get(key);
    if (v === undefined || v.length < size) {
      v = new Float32Array(size);
      this.#scratch.set(key, v);
    }
    return v.subarray(0, size);
  }

  /** dL/dθ for weight `name` from the last backward pass (a view). */
  gradient(name: string): Float32Array {
    const g = this.#grads.get(name);
    if (g === undefined) throw new InputError(`plain gradients: the model has no weight '${name}'`);
    return g;
  }

  /** Taped forward pass; returns the head outputs [T·B·D] (a view, valid until the next call). */
  forward(input: PlainBatchInput): Float32Array {
    const { tokens: tCount, batch: b, xNoisy, levels, firstObservation } = input;
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const n = tCount * b;
    if (!(Number.isInteger(tCount) && tCount >= 1 && Number.isInteger(b) && b >= 1)) {
      throw new InputError(
        `plain gradients: tokens and batch must be whole numbers ≥ 1, got ${tCount}, ${b}`,
      );
    }
    if (xNoisy.length !== n * d || levels.length !== n) {
      throw new InputError(
        `plain gradients: x needs T·B·D = ${n * d} values and levels T·B = ${n}, got ${xNoisy.length} and ${levels.length}`,
      );
    }
    for (let i = 0; i < n; i++) {
      const k = levels[i]!;
      if (!(k >= 0 && k < this.levels))
        throw new InputError(`plain gradients: level ${k} outside 0 … ${this.levels - 1}`);
    }
    if (
      this.config.initLatent === 'encoder' &&
      (firstObservation === null || firstObservation.length !== b * this.#obs)
    ) {
      throw new InputError(
        `plain gradients: this model encodes z₀ from the first observation; pass B·O = ${b * this.#obs} values`,
      );
    }
    if (n > this.#rowCap || b > this.#batchCap) this.#place(n, b);
    const L = this.#layers;
    const buf = (name: string) => this.#buf.get(name)!;
    const act = this.#act;
    const A = this.#a;
    const blocks = this.#mlpLayers - 2;
    const zw = 2 * hd + 3 * z;
    const nh = n * hd;
    const acts = buf('acts');
    const derivs = buf('derivs');
    const zs = buf('zs');
    const p = buf('p');
    const zz = buf('zz');
    const gi = buf('gi');
    const gAll = buf('g');
    const gates = buf('gates');
    const bh = b * hd;
    const bz = b * z;

    // Level part c(k) for every level.
    this.#levelForward();
    // z₀.
    this.#initForward(firstObservation, b);
    // P = x·[W1x | Wsx] + c(k).
    const xIn = buf('xIn');
    xIn.set(xNoisy);
    this.#fwd(L.xProj, xIn, 0, n, p, 0, false);
    const c = buf('levelC');
    const pw = 2 * hd;
    for (let r = 0; r < n; r++) {
      const src = levels[r]! * pw;
      const dst = r * pw;
      for (let j = 0; j < pw; j++) p[dst + j] = p[dst + j]! + c[src + j]!;
    }
    for (let t = 0; t < tCount; t++) {
      const r0 = t * b;
      const at = (l: number) => l * nh + r0 * hd;
      this.#fwd(L.zProj, zs, r0 * z, b, zz, 0, false);
      // Pre block 0.
      const a0 = at(0);
      const a1 = at(1);
      for (let bi = 0; bi < b; bi++) {
        const pr = (r0 + bi) * pw;
        for (let j = 0; j < hd; j++) acts[a0 + bi * hd + j] = zz[bi * zw + j]! + p[pr + j]!;
      }
      this.#activate(acts, a0, bh, act, derivs);
      this.#fwd(L.preW2, acts, a0, b, acts, a1, false);
      for (let bi = 0; bi < b; bi++) {
        const pr = (r0 + bi) * pw + hd;
        const o = a1 + bi * hd;
        for (let j = 0; j < hd; j++) acts[o + j] = acts[o + j]! + zz[bi * zw + hd + j]! + p[pr + j]!;
      }
      this.#activate(acts, a1, bh, act, derivs);
      let l = 2;
      for (let k = 0; k < blocks; k++, l += 2)
        this.#resBlock(L.preBlocks[2 * k]!, L.preBlocks[2 * k + 1]!, b, at(l - 1), at(l), at(l + 1));
      // GRU.
      this.#fwd(L.gruIn, acts, at(l - 1), b, gi, 0, false);
      const g0 = r0 * z;
      const nz = n * z;
      const ew = this.#k.elementwise;
      if (ew !== null && z % 4 === 0) {
        // The fused SIMD gates; the tape layout [r | u | n | Z_n] × N·z is the kernel's (at k, stride N·z).
        for (let bi = 0; bi < b; bi++) {
          ew.gru(
            gi,
            bi * 3 * z,
            zz,
            bi * zw + 2 * hd,
            zs,
            g0 + bi * z,
            gAll,
            g0 + bi * z,
            z,
            gates,
            g0 + bi * z,
            nz,
          );
        }
      } else
        for (let bi = 0; bi < b; bi++) {
          for (let j = 0; j < z; j++) {
            const k = g0 + bi * z + j;
            const gRow = bi * 3 * z;
            const zRow = bi * zw + 2 * hd;
            const r = sigmoid(gi[gRow + j]! + zz[zRow + j]!);
            const u = sigmoid(gi[gRow + z + j]! + zz[zRow + z + j]!);
            const zn = zz[zRow + 2 * z + j]!;
            const nn = Math.tanh(gi[gRow + 2 * z + j]! + r * zn);
            gAll[k] = nn + u * (zs[k]! - nn);
            gates[k] = r;
            gates[nz + k] = u;
            gates[2 * nz + k] = nn;
            gates[3 * nz + k] = zn;
          }
        }
      // Post block 0.
      const aIn = at(l);
      const aOut = at(l + 1);
      this.#fwd(L.postW1, gAll, g0, b, acts, aIn, false);
      this.#activate(acts, aIn, bh, act, derivs);
      if (L.postWs === null) acts.set(gAll.subarray(g0, g0 + bz), aOut);
      else this.#fwd(L.postWs, gAll, g0, b, acts, aOut, false);
      this.#fwd(L.postW2, acts, aIn, b, acts, aOut, true);
      this.#activate(acts, aOut, bh, act, derivs);
      l += 2;
      for (let k = 0; k < blocks; k++, l += 2)
        this.#resBlock(L.postBlocks[2 * k]!, L.postBlocks[2 * k + 1]!, b, at(l - 1), at(l), at(l + 1));
      this.#fwd(L.postOut, acts, at(A - 1), b, zs, (r0 + b) * z, false);
    }
    const out = buf('out');
    this.#fwd(L.head, zs, bz, n, out, 0, false);
    // The levels are kept for backward in a buffer reused across steps (no allocation per step).
    if (this.#levelsTape.length < n) this.#levelsTape = new Int32Array(this.#rowCap);
    this.#levelsTape.set(levels);
    this.#forwardDone = { tokens: tCount, batch: b, levels: this.#levelsTape };
    return out.subarray(0, n * d);
  }

  /** Backward pass for dL/dout = dOut [T·B·D] of the last forward call; fills every `gradient(name)`. */
  backward(dOut: Float32Array): void {
    const done = this.#forwardDone;
    if (done === null)
      throw new InputError('plain gradients: backward needs a forward call first (with the current weights)');
    const { tokens: tCount, batch: b, levels } = done;
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const n = tCount * b;
    if (dOut.length !== n * d)
      throw new InputError(`plain gradients: dOut needs ${n * d} values, got ${dOut.length}`);
    const L = this.#layers;
    const buf = (name: string) => this.#buf.get(name)!;
    const A = this.#a;
    const blocks = this.#mlpLayers - 2;
    const zw = 2 * hd + 3 * z;
    const nh = n * hd;
    const nz = n * z;
    const acts = buf('acts');
    const derivs = buf('derivs');
    const dpre = buf('dpre');
    const zs = buf('zs');
    const gAll = buf('g');
    const gates = buf('gates');
    const dZZ = buf('dZZ');
    const dGi = buf('dGi');
    const dZ = buf('dZ');
    const dh = buf('dh');
    const dg = buf('dg');
    const carry = buf('carry');
    const dOutIn = buf('dOut');
    const bh = b * hd;
    const bz = b * z;
    dOutIn.set(dOut);
    this.#back(L.head, dOutIn, 0, n, dZ, 0, false);
    carry.fill(0, 0, bz);
    const dPostOut = buf('dPostOut');
    const dP = buf('dP');
    const pw = 2 * hd;
    for (let t = tCount - 1; t >= 0; t--) {
      const r0 = t * b;
      const at = (l: number) => l * nh + r0 * hd;
      const z0 = r0 * z;
      for (let i = 0; i < bz; i++) dPostOut[z0 + i] = dZ[z0 + i]! + carry[i]!;
      this.#back(L.postOut, dPostOut, z0, b, dh, 0, false);
      let l = A - 1;
      for (let k = blocks - 1; k >= 0; k--, l -= 2)
        this.#backResBlock(L.postBlocks[2 * k]!, L.postBlocks[2 * k + 1]!, b, at(l - 1), at(l));
      // Post block 0: p = act(skip(g) + act(g·W1 + b1)·W2 + b2).
      const oOut = at(l);
      const oIn = at(l - 1);
      times(dh, 0, derivs, oOut, dpre, oOut, bh);
      this.#back(L.postW2, dpre, oOut, b, dg, 0, false);
      times(dg, 0, derivs, oIn, dpre, oIn, bh);
      if (L.postWs === null) dg.set(dpre.subarray(oOut, oOut + bz));
      else this.#back(L.postWs, dpre, oOut, b, dg, 0, false);
      this.#back(L.postW1, dpre, oIn, b, dg, 0, true);
      l -= 2;
      // GRU.
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < z; j++) {
          const i = bi * z + j;
          const k = z0 + i;
          const r = gates[k]!;
          const u = gates[nz + k]!;
          const nn = gates[2 * nz + k]!;
          const zn = gates[3 * nz + k]!;
          const dgv = dg[i]!;
          const dan = dgv * (1 - u) * (1 - nn * nn);
          const dau = dgv * (zs[k]! - nn) * u * (1 - u);
          const dar = dan * zn * r * (1 - r);
          carry[i] = dgv * u;
          const gRow = (r0 + bi) * 3 * z;
          dGi[gRow + j] = dar;
          dGi[gRow + z + j] = dau;
          dGi[gRow + 2 * z + j] = dan;
          const zRow = (r0 + bi) * zw + 2 * hd;
          dZZ[zRow + j] = dar;
          dZZ[zRow + z + j] = dau;
          dZZ[zRow + 2 * z + j] = dan * r;
        }
      }
      this.#back(L.gruIn, dGi, r0 * 3 * z, b, dh, 0, false);
      for (let k = blocks - 1; k >= 0; k--, l -= 2)
        this.#backResBlock(L.preBlocks[2 * k]!, L.preBlocks[2 * k + 1]!, b, at(l - 1), at(l));
      // Pre block 0: h = act(Z_s + P_s + a·W2 + b2), a = act(Z_a + P_1).
      const hOut = at(1);
      const aIn = at(0);
      times(dh, 0, derivs, hOut, dpre, hOut, bh);
      this.#back(L.preW2, dpre, hOut, b, dg, 0, false);
      times(dg, 0, derivs, aIn, dpre, aIn, bh);
      // [da | dh] into dZZ's first 2Hd columns and into dP (the x projection's and level part's dY), by plain
      // loops: a subarray view per row would allocate 3·T·B objects a step.
      for (let bi = 0; bi < b; bi++) {
        const row = (r0 + bi) * zw;
        const pRow = (r0 + bi) * pw;
        const a0 = aIn + bi * hd;
        const h0 = hOut + bi * hd;
        for (let j = 0; j < hd; j++) {
          const da = dpre[a0 + j]!;
          const dhv = dpre[h0 + j]!;
          dZZ[row + j] = da;
          dZZ[row + hd + j] = dhv;
          dP[pRow + j] = da;
          dP[pRow + hd + j] = dhv;
        }
      }
      this.#back(L.zProj, dZZ, r0 * zw, b, carry, 0, true);
    }
    // Weight gradients, each one product over all N rows.
    this.#weightGrad(L.zProj, zs, 0, dZZ, 0, n);
    this.#weightGrad(L.preW2, acts, 0, dpre, nh, n);
    let l = 2;
    for (let k = 0; k < blocks; k++, l += 2) {
      this.#weightGrad(L.preBlocks[2 * k]!, acts, (l - 1) * nh, dpre, l * nh, n);
      this.#weightGrad(L.preBlocks[2 * k + 1]!, acts, l * nh, dpre, (l + 1) * nh, n);
    }
    this.#weightGrad(L.gruIn, acts, (l - 1) * nh, dGi, 0, n);
    this.#weightGrad(L.postW1, gAll, 0, dpre, l * nh, n);
    if (L.postWs !== null) this.#weightGrad(L.postWs, gAll, 0, dpre, (l + 1) * nh, n);
    this.#weightGrad(L.postW2, acts, l * nh, dpre, (l + 1) * nh, n);
    l += 2;
    for (let k = 0; k < blocks; k++, l += 2) {
      this.#weightGrad(L.postBlocks[2 * k]!, acts, (l - 1) * nh, dpre, l * nh, n);
      this.#weightGrad(L.postBlocks[2 * k + 1]!, acts, l * nh, dpre, (l + 1) * nh, n);
    }
    this.#weightGrad(L.postOut, acts, (A - 1) * nh, dPostOut, 0, n);
    this.#weightGrad(L.head, zs, bz, dOutIn, 0, n);
    // dP = dZZ[:, 0 : 2Hd] (filled in the loop above): the x projection and, summed per level, the level part.
    this.#weightGrad(L.xProj, buf('xIn'), 0, dP, 0, n);
    const dC = buf('dC');
    dC.fill(0, 0, this.levels * pw);
    for (let r = 0; r < n; r++) {
      const dst = levels[r]! * pw;
      const src = r * pw;
      for (let j = 0; j < pw; j++) dC[dst + j] = dC[dst + j]! + dP[src + j]!;
    }
    this.#levelBackward();
    this.#initBackward(b);
    this.#splitGradients();
  }

  // ── pieces ──

  /**
   * v[off … off+len) ← act(v) with act′ at deriv[dOff …]: ELU in the SIMD element-wise kernel (all but the
   * last len mod 4 values), everything else in JS.
   */
  #activate(v: Float32Array, off: number, len: number, kind: number, deriv: Float32Array, dOff = off): void {
    const ew = this.#k.elementwise;
    let done = 0;
    if (ew !== null && kind === ACT_ELU) {
      done = len - (len % 4);
      ew.elu(v, off, done, deriv, dOff);
    }
    if (done < len) activate(v, off + done, len - done, kind, deriv, dOff + done);
  }

  /** y ← (acc ? y : 0) + x·W + b. */
  #fwd(
    layer: Layer,
    x: Float32Array,
    xOff: number,
    rows: number,
    y: Float32Array,
    yOff: number,
    acc: boolean,
  ): void {
    const k = this.#k;
    k.dense(x, xOff, rows, layer.n, k.kind === 'simd' ? layer.w : layer.wt, layer.m, layer.b, y, yOff, acc);
  }

  /** dx ← (acc ? dx : 0) + dy·Wᵀ. */
  #back(
    layer: Layer,
    dy: Float32Array,
    dyOff: number,
    rows: number,
    dx: Float32Array,
    dxOff: number,
    acc: boolean,
  ): void {
    const k = this.#k;
    k.dense(
      dy,
      dyOff,
      rows,
      layer.m,
      k.kind === 'simd' ? layer.wt : layer.w,
      layer.n,
      this.#zeros,
      dx,
      dxOff,
      acc,
    );
  }

  /** layer.dw = Xᵀ·dY, layer.db = Σ_rows dY, for X [rows][n] at xOff and dY [rows][m] at dyOff. */
  #weightGrad(
    layer: Layer,
    x: Float32Array,
    xOff: number,
    dy: Float32Array,
    dyOff: number,
    rows: number,
  ): void {
    this.#productAtB(x, xOff, layer.n, dy, dyOff, layer.m, rows, layer.dw);
    const k = this.#k;
    if (k.kind === 'simd') {
      // db = 1ᵀ·dY, one more product (faster than a JS loop over the rows).
      const dyRows = dy.subarray(dyOff, dyOff + rows * layer.m);
      k.dense(this.#buf.get('ones')!, 0, 1, rows, dyRows, layer.m, this.#zeros, layer.db, 0, false);
    } else columnSums(dy, dyOff, rows, layer.m, layer.db);
  }

  /** out [n][m] = Xᵀ·Y for X [rows][n], Y [rows][m] (the kernels' product, no transposed copy). */
  #productAtB(
    x: Float32Array,
    xOff: number,
    n: number,
    y: Float32Array,
    yOff: number,
    m: number,
    rows: number,
    out: Float32Array,
  ): void {
    this.#k.productAtB(x, xOff, rows, n, y, yOff, m, out, 0, false);
  }

  /** ResBlock forward: out = act(in + act(in·W1 + b1)·W2 + b2), taping inner and out. */
  #resBlock(w1: Layer, w2: Layer, b: number, inOff: number, innerOff: number, outOff: number): void {
    const acts = this.#buf.get('acts')!;
    const derivs = this.#buf.get('derivs')!;
    const bh = b * this.hiddenWidth;
    this.#fwd(w1, acts, inOff, b, acts, innerOff, false);
    this.#activate(acts, innerOff, bh, this.#act, derivs);
    acts.copyWithin(outOff, inOff, inOff + bh);
    this.#fwd(w2, acts, innerOff, b, acts, outOff, true);
    this.#activate(acts, outOff, bh, this.#act, derivs);
  }

  /** ResBlock backward in place on dh (gradient at its output → at its input); tapes dY of W1 and W2. */
  #backResBlock(w1: Layer, w2: Layer, b: number, innerOff: number, outOff: number): void {
    const buf = this.#buf;
    const derivs = buf.get('derivs')!;
    const dpre = buf.get('dpre')!;
    const dh = buf.get('dh')!;
    const tmp = buf.get('dg')!;
    const bh = b * this.hiddenWidth;
    times(dh, 0, derivs, outOff, dpre, outOff, bh);
    this.#back(w2, dpre, outOff, b, tmp, 0, false);
    times(tmp, 0, derivs, innerOff, dpre, innerOff, bh);
    dh.set(dpre.subarray(outOff, outOff + bh));
    this.#back(w1, dpre, innerOff, b, dh, 0, true);
  }

  /** Level embedding and c(k) for all K levels (features are constants). */
  #levelForward(): void {
    const L = this.#layers;
    const buf = (name: string) => this.#buf.get(name)!;
    const kCount = this.levels;
    const h1 = buf('levelH1');
    this.#fwd(L.level1, buf('levelF'), 0, kCount, h1, 0, false);
    this.#activate(h1, 0, kCount * this.#e, this.#act, buf('levelD1'), 0);
    this.#fwd(L.level2, h1, 0, kCount, buf('levelE'), 0, false);
    this.#fwd(L.levelOut, buf('levelE'), 0, kCount, buf('levelC'), 0, false);
  }

  #levelBackward(): void {
    const L = this.#layers;
    const buf = (name: string) => this.#buf.get(name)!;
    const kCount = this.levels;
    const e = this.#e;
    const dC = buf('dC');
    this.#weightGrad(L.levelOut, buf('levelE'), 0, dC, 0, kCount);
    const dE = buf('levelDE');
    this.#back(L.levelOut, dC, 0, kCount, dE, 0, false);
    this.#weightGrad(L.level2, buf('levelH1'), 0, dE, 0, kCount);
    const dH = buf('levelDH');
    this.#back(L.level2, dE, 0, kCount, dH, 0, false);
    times(dH, 0, buf('levelD1'), 0, dH, 0, kCount * e);
    this.#weightGrad(L.level1, buf('levelF'), 0, dH, 0, kCount);
  }

  /** z₀ into zs rows 0 … B−1. */
  #initForward(first: Float32Array | null, b: number): void {
    const z = this.latentSize;
    const zs = this.#buf.get('zs')!;
    switch (this.config.initLatent) {
      case 'zeros':
        zs.fill(0, 0, b * z);
        return;
      case 'learned': {
        const v = this.#weights.get('init.z')!;
        for (let bi = 0; bi < b; bi++) zs.set(v, bi * z);
        return;
      }
      case 'encoder': {
        const [l1, l2, l3] = this.#layers.init as [Layer, Layer, Layer];
        const w = this.#initWidth;
        const obs = this.#buf.get('initObs')!;
        obs.set(first!);
        const e1 = this.#buf.get('initE1')!;
        const e2 = this.#buf.get('initE2')!;
        this.#fwd(l1, obs, 0, b, e1, 0, false);
        this.#activate(e1, 0, b * w, ACT_ELU, this.#buf.get('initD1')!, 0);
        this.#fwd(l2, e1, 0, b, e2, 0, false);
        this.#activate(e2, 0, b * w, ACT_ELU, this.#buf.get('initD2')!, 0);
        this.#fwd(l3, e2, 0, b, zs, 0, false);
        return;
      }
    }
  }

  /** Gradients of the z₀ weights from dz₀ (the carry after step 0). */
  #initBackward(b: number): void {
    const z = this.latentSize;
    const carry = this.#buf.get('carry')!;
    switch (this.config.initLatent) {
      case 'zeros':
        return;
      case 'learned': {
        const g = this.#grads.get('init.z')!;
        g.fill(0);
        for (let bi = 0; bi < b; bi++) for (let j = 0; j < z; j++) g[j] = g[j]! + carry[bi * z + j]!;
        return;
      }
      case 'encoder': {
        const [l1, l2, l3] = this.#layers.init as [Layer, Layer, Layer];
        const w = this.#initWidth;
        const buf = (name: string) => this.#buf.get(name)!;
        const dz0 = buf('initDz');
        dz0.set(carry.subarray(0, b * z));
        this.#weightGrad(l3, buf('initE2'), 0, dz0, 0, b);
        const d2 = buf('initDE2');
        this.#back(l3, dz0, 0, b, d2, 0, false);
        times(d2, 0, buf('initD2'), 0, d2, 0, b * w);
        this.#weightGrad(l2, buf('initE1'), 0, d2, 0, b);
        const d1 = buf('initDE1');
        this.#back(l2, d2, 0, b, d1, 0, false);
        times(d1, 0, buf('initD1'), 0, d1, 0, b * w);
        this.#weightGrad(l1, buf('initObs'), 0, d1, 0, b);
        return;
      }
    }
  }

  /** Writes the layer gradients back under the model's weight names (splitting the concatenated layers). */
  #splitGradients(): void {
    const L = this.#layers;
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const e = this.#e;
    const g = (name: string) => this.#grads.get(name)!;
    const zw = 2 * hd + 3 * z;
    splitColumns(
      L.zProj.dw,
      z,
      zw,
      [g('pre.block0.w1z'), g('pre.block0.wsz'), g('gru.whh')],
      [hd, hd, 3 * z],
    );
    g('gru.bhh').set(L.zProj.db.subarray(2 * hd));
    splitColumns(L.xProj.dw, d, 2 * hd, [g('pre.block0.w1x'), g('pre.block0.wsx')], [hd, hd]);
    splitColumns(L.levelOut.dw, e, 2 * hd, [g('pre.block0.w1e'), g('pre.block0.wse')], [hd, hd]);
    g('pre.block0.b1').set(L.levelOut.db.subarray(0, hd));
    g('pre.block0.bs').set(L.levelOut.db.subarray(hd));
    const plain = (layer: Layer, w: string, b: string) => {
      g(w).set(layer.dw);
      g(b).set(layer.db);
    };
    plain(L.level1, 'level.w1', 'level.b1');
    plain(L.level2, 'level.w2', 'level.b2');
    plain(L.preW2, 'pre.block0.w2', 'pre.block0.b2');
    for (let i = 1; i <= this.#mlpLayers - 2; i++) {
      plain(L.preBlocks[2 * i - 2]!, `pre.block${i}.w1`, `pre.block${i}.b1`);
      plain(L.preBlocks[2 * i - 1]!, `pre.block${i}.w2`, `pre.block${i}.b2`);
      plain(L.postBlocks[2 * i - 2]!, `post.block${i}.w1`, `post.block${i}.b1`);
      plain(L.postBlocks[2 * i - 1]!, `post.block${i}.w2`, `post.block${i}.b2`);
    }
    plain(L.postW1, 'post.block0.w1', 'post.block0.b1');
    plain(L.postW2, 'post.block0.w2', 'post.block0.b2');
    if (L.postWs !== null) plain(L.postWs, 'post.block0.ws', 'post.block0.bs');
    plain(L.postOut, 'post.out.w', 'post.out.b');
    plain(L.head, 'head.w', 'head.b');
    if (this.config.initLatent === 'encoder') {
      const [l1, l2, l3] = L.init as [Layer, Layer, Layer];
      plain(l1, 'init.w1', 'init.b1');
      plain(l2, 'init.w2', 'init.b2');
      plain(l3, 'init.w3', 'init.b3');
    }
    // The fused pre.out·W_ih (see the header).
    const dF = L.gruIn.dw;
    const df = L.gruIn.db;
    this.#back(L.wih, dF, 0, hd, g('pre.out.w'), 0, false);
    this.#productAtB(this.#weights.get('pre.out.w')!, 0, z, dF, 0, 3 * z, hd, g('gru.wih'));
    const bOut = this.#weights.get('pre.out.b')!;
    const dWih = g('gru.wih');
    for (let i = 0; i < z; i++) {
      const bi = bOut[i]!;
      for (let o = 0; o < 3 * z; o++) dWih[i * 3 * z + o] = dWih[i * 3 * z + o]! + bi * df[o]!;
    }
    const wih = this.#weights.get('gru.wih')!;
    const dbOut = g('pre.out.b');
    for (let i = 0; i < z; i++) {
      let s = 0;
      for (let o = 0; o < 3 * z; o++) s += df[o]! * wih[i * 3 * z + o]!;
      dbOut[i] = s;
    }
    g('gru.bih').set(df);
  }

  /** Rebuilds the layers (concatenations, the fused GRU input, transposes) from the raw weights. */
  #refreshLayers(): void {
    const L = this.#layers;
    const w = (name: string) => this.#weights.get(name)!;
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const set = (
      layer: Layer,
      parts: readonly Float32Array[],
      widths: readonly number[],
      bias: readonly (Float32Array | null)[],
    ) => {
      concatColumnsInto(parts, layer.n, widths, layer.w);
      let col = 0;
      for (let i = 0; i < bias.length; i++) {
        const b = bias[i];
        if (b === null || b === undefined) layer.b.fill(0, col, col + widths[i]!);
        else layer.b.set(b, col);
        col += widths[i]!;
      }
      transpose(layer.w, 0, layer.n, layer.m, layer.wt);
    };
    const single = (layer: Layer, wName: string, bName: string) =>
      set(layer, [w(wName)], [layer.m], [w(bName)]);
    single(L.level1, 'level.w1', 'level.b1');
    single(L.level2, 'level.w2', 'level.b2');
    set(
      L.levelOut,
      [w('pre.block0.w1e'), w('pre.block0.wse')],
      [hd, hd],
      [w('pre.block0.b1'), w('pre.block0.bs')],
    );
    set(L.xProj, [w('pre.block0.w1x'), w('pre.block0.wsx')], [hd, hd], [null, null]);
    set(
      L.zProj,
      [w('pre.block0.w1z'), w('pre.block0.wsz'), w('gru.whh')],
      [hd, hd, 3 * z],
      [null, null, w('gru.bhh')],
    );
    single(L.preW2, 'pre.block0.w2', 'pre.block0.b2');
    for (let i = 1; i <= this.#mlpLayers - 2; i++) {
      single(L.preBlocks[2 * i - 2]!, `pre.block${i}.w1`, `pre.block${i}.b1`);
      single(L.preBlocks[2 * i - 1]!, `pre.block${i}.w2`, `pre.block${i}.b2`);
      single(L.postBlocks[2 * i - 2]!, `post.block${i}.w1`, `post.block${i}.b1`);
      single(L.postBlocks[2 * i - 1]!, `post.block${i}.w2`, `post.block${i}.b2`);
    }
    single(L.wih, 'gru.wih', 'gru.bih');
    // F = W_out·W_ih, f = b_out·W_ih + b_ih: two products on the kernels (every step, after each update).
    const k = this.#k;
    const wih = k.kind === 'simd' ? L.wih.w : L.wih.wt;
    k.dense(w('pre.out.w'), 0, hd, z, wih, 3 * z, this.#zeros, L.gruIn.w, 0, false);
    this.#fwd(L.wih, w('pre.out.b'), 0, 1, L.gruIn.b, 0, false); // L.wih's bias is b_ih
    transpose(L.gruIn.w, 0, hd, 3 * z, L.gruIn.wt);
    single(L.postW1, 'post.block0.w1', 'post.block0.b1');
    single(L.postW2, 'post.block0.w2', 'post.block0.b2');
    if (L.postWs !== null) single(L.postWs, 'post.block0.ws', 'post.block0.bs');
    single(L.postOut, 'post.out.w', 'post.out.b');
    single(L.head, 'head.w', 'head.b');
    if (this.config.initLatent === 'encoder') {
      const [l1, l2, l3] = L.init as [Layer, Layer, Layer];
      single(l1, 'init.w1', 'init.b1');
      single(l2, 'init.w2', 'init.b2');
      single(l3, 'init.w3', 'init.b3');
    }
  }

  /**
   * (Re)creates the kernels' memory for `rows` = T·B rows and batch `batch`: weights, gradients, tape and work
   * buffers. Weights are kept across a re-placement.
   */
  #place(rows: number, batch: number): void {
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const e = this.#e;
    const kCount = this.levels;
    const zw = 2 * hd + 3 * z;
    const A = this.#a;
    const o = this.#obs;
    const iw = this.#initWidth;
    const blocks = this.#mlpLayers - 2;
    const widest = Math.max(hd, z, d, zw, 2 * hd, 3 * z, iw);
    const longest = Math.max(rows, kCount, hd, batch);
    const shapes: [string, number, number][] = [
      ['level1', e, e],
      ['level2', e, e],
      ['levelOut', e, 2 * hd],
      ['xProj', d, 2 * hd],
      ['zProj', z, zw],
      ['preW2', hd, hd],
      ['wih', z, 3 * z],
      ['gruIn', hd, 3 * z],
      ['postW1', z, hd],
      ['postW2', hd, hd],
      ['postOut', hd, z],
      ['head', z, d],
    ];
    if (z !== hd) shapes.push(['postWs', z, hd]);
    for (let i = 0; i < blocks; i++) {
      shapes.push(
        [`pre${i}.1`, hd, hd],
        [`pre${i}.2`, hd, hd],
        [`post${i}.1`, hd, hd],
        [`post${i}.2`, hd, hd],
      );
    }
    if (this.config.initLatent === 'encoder')
      shapes.push(['init1', o, iw], ['init2', iw, iw], ['init3', iw, z]);
    const buffers: [string, number][] = [
      ['zeros', widest + 16],
      ['ones', longest],
      ['xIn', rows * d],
      ['p', rows * 2 * hd],
      ['zs', (rows + batch) * z],
      ['acts', A * rows * hd],
      ['derivs', A * rows * hd],
      ['dpre', A * rows * hd],
      ['g', rows * z],
      ['gates', 4 * rows * z],
      ['out', rows * d],
      ['dOut', rows * d],
      ['dZ', rows * z],
      ['dPostOut', rows * z],
      ['dZZ', rows * zw],
      ['dGi', rows * 3 * z],
      ['dP', rows * 2 * hd],
      ['zz', batch * zw],
      ['gi', batch * 3 * z],
      ['dh', batch * Math.max(hd, z)],
      ['dg', batch * Math.max(hd, z)],
      ['carry', batch * z],
      ['levelF', kCount * e],
      ['levelH1', kCount * e],
      ['levelD1', kCount * e],
      ['levelE', kCount * e],
      ['levelC', kCount * 2 * hd],
      ['dC', kCount * 2 * hd],
      ['levelDE', kCount * e],
      ['levelDH', kCount * e],
      ['initObs', batch * o],
      ['initE1', batch * iw],
      ['initE2', batch * iw],
      ['initD1', batch * iw],
      ['initD2', batch * iw],
      ['initDE1', batch * iw],
      ['initDE2', batch * iw],
      ['initDz', batch * z],
    ];
    const sizes = [...buffers.map(([, s]) => s)];
    for (const [, n, m] of shapes) sizes.push(n * m, n * m, m, n * m, m);
    for (const s of this.#sizes.values()) sizes.push(s, s);
    const k = this.kernels === 'simd' ? simdKernels(simdFloats(sizes)) : jsKernels();
    const oldWeights = this.#weights;
    this.#k = k;
    this.#buf = new Map(buffers.map(([name, size]) => [name, k.alloc(size)]));
    this.#zeros = this.#buf.get('zeros')!;
    this.#weights = new Map();
    this.#grads = new Map();
    for (const [name, size] of this.#sizes) {
      const v = k.alloc(size);
      const old = oldWeights.get(name);
      if (old !== undefined) v.set(old);
      this.#weights.set(name, v);
      this.#grads.set(name, k.alloc(size));
    }
    const layer = (name: string): Layer => {
      const [, n, m] = shapes.find((s) => s[0] === name)!;
      return {
        n,
        m,
        w: k.alloc(n * m),
        wt: k.alloc(n * m),
        b: k.alloc(m),
        dw: k.alloc(n * m),
        db: k.alloc(m),
      };
    };
    const preBlocks: Layer[] = [];
    const postBlocks: Layer[] = [];
    for (let i = 0; i < blocks; i++) {
      preBlocks.push(layer(`pre${i}.1`), layer(`pre${i}.2`));
      postBlocks.push(layer(`post${i}.1`), layer(`post${i}.2`));
    }
    this.#layers = {
      level1: layer('level1'),
      level2: layer('level2'),
      levelOut: layer('levelOut'),
      xProj: layer('xProj'),
      zProj: layer('zProj'),
      preW2: layer('preW2'),
      preBlocks,
      gruIn: layer('gruIn'),
      wih: layer('wih'),
      postW1: layer('postW1'),
      postW2: layer('postW2'),
      postWs: z !== hd ? layer('postWs') : null,
      postBlocks,
      postOut: layer('postOut'),
      head: layer('head'),
      init: this.config.initLatent === 'encoder' ? [layer('init1'), layer('init2'), layer('init3')] : [],
    };
    this.#buf.get('levelF')!.set(levelFeatureTable(kCount, e));
    this.#buf.get('ones')!.fill(1);
    this.#rowCap = rows;
    this.#batchCap = batch;
    if (oldWeights.size > 0) this.#refreshLayers();
    this.#forwardDone = null;
  }
}

// ── helpers ──

/** out[oOff + i] = v[vOff + i]·d[dOff + i] for i < len (out may be v). */
function times(
  v: Float32Array,
  vOff: number,
  d: Float32Array,
  dOff: number,
  out: Float32Array,
  oOff: number,
  len: number,
): void {
  for (let i = 0; i < len; i++) out[oOff + i] = v[vOff + i]! * d[dOff + i]!;
}

/** out [cols][rows] = xᵀ for x [rows][cols] at xOff. */
function transpose(x: Float32Array, xOff: number, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const src = xOff + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[src + c]!;
  }
}

/** out[c] = Σ_r y[r][c] (float64 sums). */
function columnSums(y: Float32Array, yOff: number, rows: number, cols: number, out: Float32Array): void {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const src = yOff + r * cols;
    for (let c = 0; c < cols; c++) sums[c] = sums[c]! + y[src + c]!;
  }
  out.set(sums);
}

/** [n][m₁] | [n][m₂] | … → out [n][Σm]. */
function concatColumnsInto(
  parts: readonly Float32Array[],
  n: number,
  widths: readonly number[],
  out: Float32Array,
): void {
  const total = widths.reduce((a, w) => a + w, 0);
  let col = 0;
  for (let p = 0; p < parts.length; p++) {
    const w = widths[p]!;
    const src = parts[p]!;
    for (let i = 0; i < n; i++) out.set(src.subarray(i * w, (i + 1) * w), i * total + col);
    col += w;
  }
}

/** [n][Σm] → outs [n][mᵢ]. */
function splitColumns(
  x: Float32Array,
  n: number,
  total: number,
  outs: readonly Float32Array[],
  widths: readonly number[],
): void {
  let col = 0;
  for (let p = 0; p < outs.length; p++) {
    const w = widths[p]!;
    const out = outs[p]!;
    for (let i = 0; i < n; i++) out.set(x.subarray(i * total + col, i * total + col + w), i * w);
    col += w;
  }
}
