/**
 * The Diffusion Forcing network of create-model.ts in plain Float32Arrays: the same weights, the same maths,
 * no tensors (reference tfjs-performance.md §5, §7). For planning, where tfjs spends nearly all its time in
 * per-kernel dispatch (about 140 kernels per token for a guided row at batch 1–8): here a token costs a few
 * dense kernels over arrays that stay in cache, and the guidance gradient is a hand-written BPTT.
 *
 * Notation (z = latentSize, Hd = hiddenWidth, D = token size, E = level embedding size, L = mlpLayers, act =
 * the config's activation; rows are time-major, row n = t·B + b; matrices W are [in, out], y = x·W + b):
 *
 *   e(k)     = W2·act(W1·sin/cos(k) + b1) + b2                                      cached per level k
 *   c(k)     = [e(k)·W1e + b1 | e(k)·Wse + bs]                                       cached per level k, [2Hd]
 *   P_n      = x_n·[W1x | Wsx] + c(k_n)                                            all N = T·B rows at once
 *   Z_t      = z_{t−1}·[W1z | Wsz | Whh] + [0 | 0 | b_hh]                            [2Hd + 3z] per row
 *   a        = act(Z_a + P_1)                                                        pre block 0, inner
 *   h        = act(Z_s + P_s + a·W2 + b2)                                            pre block 0, output
 *   h        ← act(h + act(h·W1 + b1)·W2 + b2)                                      pre blocks 1 … L−2
 *   gi       = h·(W_out·W_ih) + (b_out·W_ih + b_ih)                                  pre.out fused into the GRU
 *   r, u     = σ(gi_r + Z_r), σ(gi_u + Z_u);  n = tanh(gi_n + r∘Z_n);  g = n + u∘(z_{t−1} − n)
 *   p        = act(skip(g) + act(g·W1 + b1)·W2 + b2), skip = g (z = Hd) or g·Ws + bs  post block 0
 *   p        ← act(p + act(p·W1 + b1)·W2 + b2)                                      post blocks 1 … L−2
 *   z_t      = p·W_out + b_out;  out_n = z_n·W_head + b_head                         head over all rows at once
 *
 * Backward (input gradients only; weights and levels are constants): dZ = dOut·W_headᵀ, then t = T−1 … 0
 * carries dz through post-MLP, GRU gates and pre-MLP (activation derivatives and gate values are taped in the
 * forward pass), collects dP_t = [da_pre | dh_pre] and adds dZ_t·[W1z | Wsz | Whh]ᵀ to the carry;
 * finally dX = dP·[W1x | Wsx]ᵀ over all rows at once.
 *
 * Speed: every weight is kept twice, Wᵀ ([out][in], for forward dot products along contiguous rows) and W
 * ([in][out], the same role for the backward pass). The dense kernel computes 8 outputs at once for one row,
 * or 4 outputs × 2 rows for a batch, reusing each loaded weight (≈3.5–4.2 GFLOPS in V8 on this machine
 * against ≈2.7 for one output at a time). Buffers grow to the largest call and are reused: no allocation per
 * token, no closures in inner loops. Results are views into those buffers, valid until the next call.
 */
import { ConfigError, InputError } from '../errors.js';
import { tokenSize } from '../tasks/token-layout.js';
import { levelFeatureTable } from './create-model.js';
import type { Activation, DfModel, ModelConfig } from './types.js';
import { defaultActivation } from './validate-model-config.js';

/** Activation kinds as small integers, so the elementwise loops switch once per call, not per element. */
const ACT_ELU = 0;
const ACT_RELU = 1;
const ACT_SILU = 2;
const ACT_GELU = 3;
const activationCodes: Readonly<Record<Activation, number>> = {
  elu: ACT_ELU,
  relu: ACT_RELU,
  silu: ACT_SILU,
  gelu: ACT_GELU,
};
/** The tanh-approximate GELU of src/tensor/activations.ts: x·σ(v), v = c·(x + 0.044715x³). */
const GELU_C = 2 * Math.sqrt(2 / Math.PI);
const GELU_CA = GELU_C * 0.044715;

/** A linear layer with both weight layouts (see the header). */
interface Dense {
  /** Inputs, outputs. */
  readonly n: number;
  readonly m: number;
  /** Wᵀ [m][n]. */
  readonly wt: Float32Array;
  /** W [n][m]. */
  readonly w: Float32Array;
  readonly b: Float32Array;
}

/** Taped forward state that `backwardInputs` needs; valid until the next forward call on the same network. */
export interface PlainTape {
  readonly tokens: number;
  readonly batch: number;
  /** Which forward call made it (a later forward call overwrites the buffers it points to). */
  readonly generation: number;
}

export interface PlainForward {
  /** Head outputs [T·B·D], time-major (view; valid until the next call). */
  readonly out: Float32Array;
  /** Latent after the last token [B·z] (view; valid until the next call). */
  readonly zLast: Float32Array;
  /** null for the forward-only call. */
  readonly tape: PlainTape | null;
}

/** The network's weights in Float32Arrays; build with `PlainNetwork.fromModel` or `plainNetworkFor`. */
export class PlainNetwork {
  readonly model: DfModel;
  readonly latentSize: number;
  readonly hiddenWidth: number;
  readonly tokenSize: number;
  readonly levels: number;
  readonly #act: number;
  readonly #mlpLayers: number;
  readonly #e: number;
  /** Activation layers per step: 2 per ResBlock, L−1 ResBlocks in each of the pre- and post-MLP. */
  readonly #actLayers: number;

  // Weights (rebuilt by refresh()).
  #levelW1!: Dense;
  #levelW2!: Dense;
  #w1e!: Dense;
  #wse!: Dense;
  #xProj!: Dense;
  #zProj!: Dense;
  #preW2!: Dense;
  #preBlocks!: Dense[];
  #gruIn!: Dense;
  #postW1!: Dense;
  #postW2!: Dense;
  #postWs!: Dense | null;
  #postBlocks!: Dense[];
  #postOut!: Dense;
  #head!: Dense;
  #features: Float32Array;
  /** c(k) per level [K][2Hd], filled on first use; `#levelReady[k]` = 1 once filled. */
  #levelPart: Float32Array;
  #levelReady: Uint8Array;
  /** Storage ids of the variables the snapshot was taken from. */
  #dataIds: readonly unknown[] = [];

  // Buffers (grown on demand).
  #rowCap = 0;
  #batchCap = 0;
  #p = new Float32Array(0);
  #zs = new Float32Array(0);
  #deriv = new Float32Array(0);
  #gates = new Float32Array(0);
  #out = new Float32Array(0);
  #dZ = new Float32Array(0);
  #dP = new Float32Array(0);
  #dX = new Float32Array(0);
  #zz = new Float32Array(0);
  #hA = new Float32Array(0);
  #hB = new Float32Array(0);
  #g = new Float32Array(0);
  #gi = new Float32Array(0);
  #carry = new Float32Array(0);
  #dz = new Float32Array(0);
  #dZz = new Float32Array(0);
  readonly #zeros: Float32Array;
  #generation = 0;
  #taped = -1;

  private constructor(model: DfModel) {
    const config = model.config as ModelConfig;
    const activation = config.activation ?? defaultActivation;
    const code = activationCodes[activation];
    if (code === undefined) {
      throw new ConfigError(
        `the plain network implements the activations ${Object.keys(activationCodes).join(', ')}, ` +
          `got '${String(activation)}'; plan with planNetwork 'tfjs' for this model`,
        'model.activation',
      );
    }
    this.model = model;
    this.#act = code;
    this.latentSize = config.latentSize;
    this.hiddenWidth = config.hiddenWidth;
    this.tokenSize = tokenSize(config.layout);
    this.levels = config.noise.levels;
    this.#mlpLayers = config.mlpLayers;
    this.#e = config.levelEmbeddingSize;
    this.#actLayers = 4 * (config.mlpLayers - 1);
    this.#features = levelFeatureTable(this.levels, this.#e);
    this.#levelPart = new Float32Array(this.levels * 2 * this.hiddenWidth);
    this.#levelReady = new Uint8Array(this.levels);
    const widest = Math.max(this.tokenSize, 2 * this.hiddenWidth + 3 * this.latentSize);
    this.#zeros = new Float32Array(widest);
    this.refresh();
  }

  /** Snapshots `model`'s current weights (one dataSync per weight). */
  static fromModel(model: DfModel): PlainNetwork {
    return new PlainNetwork(model);
  }

  /** True when the model's weights were replaced since the snapshot (an optimizer step, an assign). */
  get stale(): boolean {
    const vars = this.model.variables;
    if (vars.length !== this.#dataIds.length) return true;
    for (let i = 0; i < vars.length; i++) if (vars[i]!.dataId !== this.#dataIds[i]) return true;
    return false;
  }

  /** Re-reads every weight from the model; call after the weights change. */
  refresh(): void {
    const model = this.model;
    const byName = new Map<string, Float32Array>();
    const names = model.weightNames;
    const vars = model.variables;
    for (let i = 0; i < names.length; i++) byName.set(names[i]!, vars[i]!.dataSync() as Float32Array);
    const get = (name: string, size: number): Float32Array => {
      const v = byName.get(name);
      if (v === undefined) {
        throw new ConfigError(
          `the plain network needs the Diffusion Forcing network's weight '${name}', which this model does ` +
            `not have; plan with planNetwork 'tfjs' for this model`,
          'planNetwork',
        );
      }
      if (v.length !== size) {
        throw new ConfigError(
          `weight '${name}' has ${v.length} values, expected ${size} from the model config`,
          'planNetwork',
        );
      }
      return v;
    };
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const e = this.#e;
    const dense = (w: string, b: string | null, n: number, m: number): Dense =>
      makeDense(get(w, n * m), b === null ? new Float32Array(m) : get(b, m), n, m);

    this.#levelW1 = dense('level.w1', 'level.b1', e, e);
    this.#levelW2 = dense('level.w2', 'level.b2', e, e);
    this.#w1e = dense('pre.block0.w1e', 'pre.block0.b1', e, hd);
    this.#wse = dense('pre.block0.wse', 'pre.block0.bs', e, hd);
    this.#xProj = makeDense(
      concatColumns([get('pre.block0.w1x', d * hd), get('pre.block0.wsx', d * hd)], d, [hd, hd]),
      new Float32Array(2 * hd),
      d,
      2 * hd,
    );
    const zBias = new Float32Array(2 * hd + 3 * z);
    zBias.set(get('gru.bhh', 3 * z), 2 * hd);
    this.#zProj = makeDense(
      concatColumns(
        [get('pre.block0.w1z', z * hd), get('pre.block0.wsz', z * hd), get('gru.whh', z * 3 * z)],
        z,
        [hd, hd, 3 * z],
      ),
      zBias,
      z,
      2 * hd + 3 * z,
    );
    const blocks = this.#mlpLayers - 2;
    this.#preW2 = dense('pre.block0.w2', 'pre.block0.b2', hd, hd);
    this.#preBlocks = [];
    for (let i = 1; i <= blocks; i++) {
      this.#preBlocks.push(dense(`pre.block${i}.w1`, `pre.block${i}.b1`, hd, hd));
      this.#preBlocks.push(dense(`pre.block${i}.w2`, `pre.block${i}.b2`, hd, hd));
    }
    // As in create-model.ts: Linear(Hd→z) then the GRU input projection is one linear map.
    const outW = get('pre.out.w', hd * z);
    const outB = get('pre.out.b', z);
    const wih = get('gru.wih', z * 3 * z);
    const bih = get('gru.bih', 3 * z);
    const fused = new Float32Array(hd * 3 * z);
    const fusedB = new Float32Array(3 * z);
    for (let o = 0; o < 3 * z; o++) {
      for (let i = 0; i < hd; i++) {
        let s = 0;
        for (let k = 0; k < z; k++) s += outW[i * z + k]! * wih[k * 3 * z + o]!;
        fused[i * 3 * z + o] = s;
      }
      let s = bih[o]!;
      for (let k = 0; k < z; k++) s += outB[k]! * wih[k * 3 * z + o]!;
      fusedB[o] = s;
    }
    this.#gruIn = makeDense(fused, fusedB, hd, 3 * z);
    this.#postW1 = dense('post.block0.w1', 'post.block0.b1', z, hd);
    this.#postW2 = dense('post.block0.w2', 'post.block0.b2', hd, hd);
    this.#postWs = z === hd ? null : dense('post.block0.ws', 'post.block0.bs', z, hd);
    this.#postBlocks = [];
    for (let i = 1; i <= blocks; i++) {
      this.#postBlocks.push(dense(`post.block${i}.w1`, `post.block${i}.b1`, hd, hd));
      this.#postBlocks.push(dense(`post.block${i}.w2`, `post.block${i}.b2`, hd, hd));
    }
    this.#postOut = dense('post.out.w', 'post.out.b', hd, z);
    this.#head = dense('head.w', 'head.b', z, d);
    this.#levelReady.fill(0);
    this.#dataIds = vars.map((v) => v.dataId);
    this.#taped = -1;
  }

  /** Forward over T tokens with a tape for `backwardInputs`. z0 [B·z], x [T·B·D] time-major, levels [T·B]. */
  forwardChain(z0: Float32Array, x: Float32Array, levels: Int32Array): PlainForward {
    return this.#forward(z0, x, levels, true);
  }

  /** Forward only (no tape): the same outputs. */
  forward(z0: Float32Array, x: Float32Array, levels: Int32Array): PlainForward {
    return this.#forward(z0, x, levels, false);
  }

  /**
   * dL/dx [T·B·D] for dL/dout = dOut [T·B·D], through the latent chain (weights frozen; the gradient with
   * respect to z0 is not formed). `tape` must come from the latest forward call.
   */
  backwardInputs(tape: PlainTape, dOut: Float32Array): Float32Array {
    if (tape.generation !== this.#taped || tape.generation !== this.#generation) {
      throw new InputError(
        'backwardInputs: this tape is stale (another forward call ran after it); run forwardChain again',
      );
    }
    const tCount = tape.tokens;
    const b = tape.batch;
    const n = tCount * b;
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const zw = 2 * hd + 3 * z;
    if (dOut.length !== n * d) {
      throw new InputError(`backwardInputs: dOut has ${dOut.length} values, expected ${n * d} (T·B·D)`);
    }
    const act = this.#actLayers;
    const blocks = this.#mlpLayers - 2;
    const deriv = this.#deriv;
    const gates = this.#gates;
    const zs = this.#zs;
    const dZ = this.#dZ;
    const dP = this.#dP;
    const carry = this.#carry;
    const dz = this.#dz;
    const hA = this.#hA;
    const hB = this.#hB;
    const g = this.#g;
    const gi = this.#gi;
    const dZz = this.#dZz;
    const zeros = this.#zeros;
    const bh = b * hd;
    const bz = b * z;

    const head = this.#head;
    dense(dOut, 0, n, d, head.w, z, zeros, dZ, 0, false);
    carry.fill(0, 0, bz);
    for (let t = tCount - 1; t >= 0; t--) {
      const layer0 = t * act * bh; // deriv block of step t, layer l at layer0 + l·bh
      for (let i = 0; i < bz; i++) dz[i] = dZ[t * bz + i]! + carry[i]!;
      // Post-MLP, last layer first. Layers in the tape: pre 0 … 2(L−1)−1, post 2(L−1) … 4(L−1)−1.
      dense(dz, 0, b, z, this.#postOut.w, hd, zeros, hA, 0, false);
      let l = act - 1;
      for (let k = blocks - 1; k >= 0; k--, l -= 2) {
        backResBlock(
          hA,
          hB,
          b,
          hd,
          this.#postBlocks[2 * k]!,
          this.#postBlocks[2 * k + 1]!,
          deriv,
          layer0,
          l,
          zeros,
        );
      }
      // Post block 0: p = act(skip(g) + act(g·W1 + b1)·W2 + b2).
      multiply(hA, 0, deriv, layer0 + l * bh, bh);
      dense(hA, 0, b, hd, this.#postW2.w, hd, zeros, hB, 0, false);
      multiply(hB, 0, deriv, layer0 + (l - 1) * bh, bh);
      if (this.#postWs === null) g.set(hA.subarray(0, bz));
      else dense(hA, 0, b, hd, this.#postWs.w, z, zeros, g, 0, false);
      dense(hB, 0, b, hd, this.#postW1.w, z, zeros, g, 0, true);
      l -= 2;
      // GRU: g = n + u∘(z_{t−1} − n); gates taped as [r | u | n | Z_n] per step.
      const gate0 = t * 4 * bz;
      const zPrev0 = t * bz;
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < z; j++) {
          const k = bi * z + j;
          const r = gates[gate0 + k]!;
          const u = gates[gate0 + bz + k]!;
          const nn = gates[gate0 + 2 * bz + k]!;
          const zn = gates[gate0 + 3 * bz + k]!;
          const dg = g[k]!;
          const dan = dg * (1 - u) * (1 - nn * nn);
          const dau = dg * (zs[zPrev0 + k]! - nn) * u * (1 - u);
          const dar = dan * zn * r * (1 - r);
          carry[k] = dg * u;
          const gRow = bi * 3 * z;
          gi[gRow + j] = dar;
          gi[gRow + z + j] = dau;
          gi[gRow + 2 * z + j] = dan;
          const zRow = bi * zw + 2 * hd;
          dZz[zRow + j] = dar;
          dZz[zRow + z + j] = dau;
          dZz[zRow + 2 * z + j] = dan * r;
        }
      }
      dense(gi, 0, b, 3 * z, this.#gruIn.w, hd, zeros, hA, 0, false);
      // Pre blocks L−2 … 1.
      for (let k = blocks - 1; k >= 0; k--, l -= 2) {
        backResBlock(
          hA,
          hB,
          b,
          hd,
          this.#preBlocks[2 * k]!,
          this.#preBlocks[2 * k + 1]!,
          deriv,
          layer0,
          l,
          zeros,
        );
      }
      // Pre block 0: h = act(Z_s + P_s + a·W2 + b2), a = act(Z_a + P_1).
      multiply(hA, 0, deriv, layer0 + l * bh, bh);
      dense(hA, 0, b, hd, this.#preW2.w, hd, zeros, hB, 0, false);
      multiply(hB, 0, deriv, layer0 + (l - 1) * bh, bh);
      const p0 = t * b * 2 * hd;
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < hd; j++) {
          const da = hB[bi * hd + j]!;
          const dh = hA[bi * hd + j]!;
          dZz[bi * zw + j] = da;
          dZz[bi * zw + hd + j] = dh;
          dP[p0 + bi * 2 * hd + j] = da;
          dP[p0 + bi * 2 * hd + hd + j] = dh;
        }
      }
      dense(dZz, 0, b, zw, this.#zProj.w, z, zeros, carry, 0, true);
    }
    const dX = this.#dX;
    dense(dP, 0, n, 2 * hd, this.#xProj.w, d, zeros, dX, 0, false);
    return dX.subarray(0, n * d);
  }

  #forward(z0: Float32Array, x: Float32Array, levels: Int32Array, record: boolean): PlainForward {
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const n = levels.length;
    const b = z0.length / z;
    if (!Number.isInteger(b) || b < 1) {
      throw new InputError(`plain network: z0 has ${z0.length} values, expected B·${z} with B ≥ 1`);
    }
    const tCount = n / b;
    if (!Number.isInteger(tCount) || tCount < 1) {
      throw new InputError(`plain network: levels has ${n} entries, expected T·B = T·${b} with T ≥ 1`);
    }
    if (x.length !== n * d) {
      throw new InputError(`plain network: x has ${x.length} values, expected T·B·D = ${n * d}`);
    }
    const levelCount = this.levels;
    for (let i = 0; i < n; i++) {
      const k = levels[i]!;
      if (!(k >= 0 && k < levelCount)) {
        throw new InputError(
          `plain network: levels[${i}] = ${k} is outside 0 … ${levelCount - 1} (label finished tokens with the stabilisation level)`,
        );
      }
    }
    this.#ensure(n, b);
    this.#generation++;
    this.#taped = record ? this.#generation : -1;

    const zw = 2 * hd + 3 * z;
    const act = this.#act;
    const actLayers = this.#actLayers;
    const blocks = this.#mlpLayers - 2;
    const p = this.#p;
    const zs = this.#zs;
    const zz = this.#zz;
    const hA = this.#hA;
    const hB = this.#hB;
    const g = this.#g;
    const gi = this.#gi;
    const gates = this.#gates;
    const deriv: Float32Array | null = record ? this.#deriv : null;
    const bh = b * hd;
    const bz = b * z;

    // P = x·[W1x | Wsx] + c(k) for every row.
    dense(x, 0, n, d, this.#xProj.wt, 2 * hd, this.#xProj.b, p, 0, false);
    const part = this.#levelPart;
    for (let r = 0; r < n; r++) {
      const k = levels[r]!;
      if (this.#levelReady[k] === 0) this.#fillLevel(k);
      const src = k * 2 * hd;
      const dst = r * 2 * hd;
      for (let j = 0; j < 2 * hd; j++) p[dst + j] = p[dst + j]! + part[src + j]!;
    }
    zs.set(z0, 0);
    for (let t = 0; t < tCount; t++) {
      const layer0 = t * actLayers * bh;
      const zPrev0 = t * bz;
      dense(zs, zPrev0, b, z, this.#zProj.wt, zw, this.#zProj.b, zz, 0, false);
      // Pre block 0.
      const p0 = t * b * 2 * hd;
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < hd; j++) hA[bi * hd + j] = zz[bi * zw + j]! + p[p0 + bi * 2 * hd + j]!;
      }
      activate(hA, 0, bh, act, deriv, layer0);
      dense(hA, 0, b, hd, this.#preW2.wt, hd, this.#preW2.b, hB, 0, false);
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < hd; j++) {
          hB[bi * hd + j] = hB[bi * hd + j]! + zz[bi * zw + hd + j]! + p[p0 + bi * 2 * hd + hd + j]!;
        }
      }
      activate(hB, 0, bh, act, deriv, layer0 + bh);
      let l = 2;
      for (let k = 0; k < blocks; k++, l += 2) {
        resBlock(hB, hA, b, hd, this.#preBlocks[2 * k]!, this.#preBlocks[2 * k + 1]!, act, deriv, layer0, l);
      }
      // GRU.
      dense(hB, 0, b, hd, this.#gruIn.wt, 3 * z, this.#gruIn.b, gi, 0, false);
      const gate0 = t * 4 * bz;
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < z; j++) {
          const k = bi * z + j;
          const gRow = bi * 3 * z;
          const zRow = bi * zw + 2 * hd;
          const r = sigmoid(gi[gRow + j]! + zz[zRow + j]!);
          const u = sigmoid(gi[gRow + z + j]! + zz[zRow + z + j]!);
          const zn = zz[zRow + 2 * z + j]!;
          const nn = Math.tanh(gi[gRow + 2 * z + j]! + r * zn);
          g[k] = nn + u * (zs[zPrev0 + k]! - nn);
          if (record) {
            gates[gate0 + k] = r;
            gates[gate0 + bz + k] = u;
            gates[gate0 + 2 * bz + k] = nn;
            gates[gate0 + 3 * bz + k] = zn;
          }
        }
      }
      // Post block 0.
      dense(g, 0, b, z, this.#postW1.wt, hd, this.#postW1.b, hA, 0, false);
      activate(hA, 0, bh, act, deriv, layer0 + l * bh);
      if (this.#postWs === null) hB.set(g.subarray(0, bz));
      else dense(g, 0, b, z, this.#postWs.wt, hd, this.#postWs.b, hB, 0, false);
      dense(hA, 0, b, hd, this.#postW2.wt, hd, this.#postW2.b, hB, 0, true);
      activate(hB, 0, bh, act, deriv, layer0 + (l + 1) * bh);
      l += 2;
      for (let k = 0; k < blocks; k++, l += 2) {
        resBlock(
          hB,
          hA,
          b,
          hd,
          this.#postBlocks[2 * k]!,
          this.#postBlocks[2 * k + 1]!,
          act,
          deriv,
          layer0,
          l,
        );
      }
      dense(hB, 0, b, hd, this.#postOut.wt, z, this.#postOut.b, zs, zPrev0 + bz, false);
    }
    const out = this.#out;
    dense(zs, bz, n, z, this.#head.wt, d, this.#head.b, out, 0, false);
    return {
      out: out.subarray(0, n * d),
      zLast: zs.subarray(n * z, n * z + bz),
      tape: record ? { tokens: tCount, batch: b, generation: this.#generation } : null,
    };
  }

  /** c(k) = [e(k)·W1e + b1 | e(k)·Wse + bs], computed once per level (float64 sums). */
  #fillLevel(k: number): void {
    const e = this.#e;
    const hd = this.hiddenWidth;
    const f = this.#features.subarray(k * e, (k + 1) * e);
    const h = new Float32Array(e);
    dense(f, 0, 1, e, this.#levelW1.wt, e, this.#levelW1.b, h, 0, false);
    activate(h, 0, e, this.#act, null, 0);
    const emb = new Float32Array(e);
    dense(h, 0, 1, e, this.#levelW2.wt, e, this.#levelW2.b, emb, 0, false);
    dense(emb, 0, 1, e, this.#w1e.wt, hd, this.#w1e.b, this.#levelPart, k * 2 * hd, false);
    dense(emb, 0, 1, e, this.#wse.wt, hd, this.#wse.b, this.#levelPart, k * 2 * hd + hd, false);
    this.#levelReady[k] = 1;
  }

  /** Grows the buffers to hold `rows` = T·B rows of batch `batch`. */
  #ensure(rows: number, batch: number): void {
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    if (rows > this.#rowCap) {
      const cap = Math.max(rows, Math.ceil(this.#rowCap * 1.5));
      this.#p = new Float32Array(cap * 2 * hd);
      this.#zs = new Float32Array((cap + Math.max(batch, this.#batchCap)) * z);
      this.#deriv = new Float32Array(cap * this.#actLayers * hd);
      this.#gates = new Float32Array(cap * 4 * z);
      this.#out = new Float32Array(cap * d);
      this.#dZ = new Float32Array(cap * z);
      this.#dP = new Float32Array(cap * 2 * hd);
      this.#dX = new Float32Array(cap * d);
      this.#rowCap = cap;
    }
    if (batch > this.#batchCap) {
      const cap = batch;
      this.#zs = new Float32Array((this.#rowCap + cap) * z);
      this.#zz = new Float32Array(cap * (2 * hd + 3 * z));
      this.#dZz = new Float32Array(cap * (2 * hd + 3 * z));
      this.#hA = new Float32Array(cap * Math.max(hd, z));
      this.#hB = new Float32Array(cap * Math.max(hd, z));
      this.#g = new Float32Array(cap * z);
      this.#gi = new Float32Array(cap * 3 * z);
      this.#carry = new Float32Array(cap * z);
      this.#dz = new Float32Array(cap * z);
      this.#batchCap = cap;
    }
  }
}

const cache = new WeakMap<DfModel, PlainNetwork>();

/**
 * The plain network of `model`, built once per model and re-snapshotted when its weights have been replaced
 * since (checked by storage id, a few dozen comparisons per call).
 */
export function plainNetworkFor(model: DfModel): PlainNetwork {
  let net = cache.get(model);
  if (net === undefined) {
    net = PlainNetwork.fromModel(model);
    cache.set(model, net);
  } else if (net.stale) {
    net.refresh();
  }
  return net;
}

// ── kernels ──

function makeDense(w: Float32Array, b: Float32Array, n: number, m: number): Dense {
  const wt = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let o = 0; o < m; o++) wt[o * n + i] = w[i * m + o]!;
  return { n, m, wt, w: Float32Array.from(w), b: Float32Array.from(b) };
}

/** [n][m₁] | [n][m₂] | … → [n][Σm]. */
function concatColumns(parts: readonly Float32Array[], n: number, widths: readonly number[]): Float32Array {
  const total = widths.reduce((a, w) => a + w, 0);
  const out = new Float32Array(n * total);
  let col = 0;
  for (let p = 0; p < parts.length; p++) {
    const w = widths[p]!;
    const src = parts[p]!;
    for (let i = 0; i < n; i++) out.set(src.subarray(i * w, (i + 1) * w), i * total + col);
    col += w;
  }
  return out;
}

/**
 * y[r][o] = (accumulate ? y[r][o] : 0) + bias[o] + Σᵢ x[r][i]·wt[o][i] for `rows` contiguous rows of x
 * (length n, from xOff) and y (length m, from yOff). Sums run in float64.
 */
function dense(
  x: Float32Array,
  xOff: number,
  rows: number,
  n: number,
  wt: Float32Array,
  m: number,
  bias: Float32Array,
  y: Float32Array,
  yOff: number,
  accumulate: boolean,
): void {
  if (rows === 1) denseRow(x, xOff, n, wt, m, bias, y, yOff, accumulate);
  else denseRows(x, xOff, rows, n, wt, m, bias, y, yOff, accumulate);
}

/** One row: 8 outputs per pass over x. */
function denseRow(
  x: Float32Array,
  xOff: number,
  n: number,
  wt: Float32Array,
  m: number,
  bias: Float32Array,
  y: Float32Array,
  yOff: number,
  accumulate: boolean,
): void {
  let o = 0;
  for (; o + 7 < m; o += 8) {
    const w0 = o * n;
    const w1 = w0 + n;
    const w2 = w1 + n;
    const w3 = w2 + n;
    const w4 = w3 + n;
    const w5 = w4 + n;
    const w6 = w5 + n;
    const w7 = w6 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xOff + i]!;
      s0 += xi * wt[w0 + i]!;
      s1 += xi * wt[w1 + i]!;
      s2 += xi * wt[w2 + i]!;
      s3 += xi * wt[w3 + i]!;
      s4 += xi * wt[w4 + i]!;
      s5 += xi * wt[w5 + i]!;
      s6 += xi * wt[w6 + i]!;
      s7 += xi * wt[w7 + i]!;
    }
    const yo = yOff + o;
    if (accumulate) {
      y[yo] = y[yo]! + bias[o]! + s0;
      y[yo + 1] = y[yo + 1]! + bias[o + 1]! + s1;
      y[yo + 2] = y[yo + 2]! + bias[o + 2]! + s2;
      y[yo + 3] = y[yo + 3]! + bias[o + 3]! + s3;
      y[yo + 4] = y[yo + 4]! + bias[o + 4]! + s4;
      y[yo + 5] = y[yo + 5]! + bias[o + 5]! + s5;
      y[yo + 6] = y[yo + 6]! + bias[o + 6]! + s6;
      y[yo + 7] = y[yo + 7]! + bias[o + 7]! + s7;
    } else {
      y[yo] = bias[o]! + s0;
      y[yo + 1] = bias[o + 1]! + s1;
      y[yo + 2] = bias[o + 2]! + s2;
      y[yo + 3] = bias[o + 3]! + s3;
      y[yo + 4] = bias[o + 4]! + s4;
      y[yo + 5] = bias[o + 5]! + s5;
      y[yo + 6] = bias[o + 6]! + s6;
      y[yo + 7] = bias[o + 7]! + s7;
    }
  }
  for (; o < m; o++) {
    const w0 = o * n;
    let s = 0;
    for (let i = 0; i < n; i++) s += x[xOff + i]! * wt[w0 + i]!;
    const yo = yOff + o;
    y[yo] = (accumulate ? y[yo]! : 0) + bias[o]! + s;
  }
}

/** Several rows: 4 outputs × 2 rows per pass, so each loaded weight serves two rows. */
function denseRows(
  x: Float32Array,
  xOff: number,
  rows: number,
  n: number,
  wt: Float32Array,
  m: number,
  bias: Float32Array,
  y: Float32Array,
  yOff: number,
  accumulate: boolean,
): void {
  let o = 0;
  for (; o + 3 < m; o += 4) {
    const w0 = o * n;
    const w1 = w0 + n;
    const w2 = w1 + n;
    const w3 = w2 + n;
    const b0 = bias[o]!;
    const b1 = bias[o + 1]!;
    const b2 = bias[o + 2]!;
    const b3 = bias[o + 3]!;
    let r = 0;
    for (; r + 1 < rows; r += 2) {
      const xa = xOff + r * n;
      const xc = xa + n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t0 = 0;
      let t1 = 0;
      let t2 = 0;
      let t3 = 0;
      for (let i = 0; i < n; i++) {
        const a = x[xa + i]!;
        const c = x[xc + i]!;
        const v0 = wt[w0 + i]!;
        const v1 = wt[w1 + i]!;
        const v2 = wt[w2 + i]!;
        const v3 = wt[w3 + i]!;
        s0 += a * v0;
        s1 += a * v1;
        s2 += a * v2;
        s3 += a * v3;
        t0 += c * v0;
        t1 += c * v1;
        t2 += c * v2;
        t3 += c * v3;
      }
      const ya = yOff + r * m + o;
      const yc = ya + m;
      if (accumulate) {
        y[ya] = y[ya]! + b0 + s0;
        y[ya + 1] = y[ya + 1]! + b1 + s1;
        y[ya + 2] = y[ya + 2]! + b2 + s2;
        y[ya + 3] = y[ya + 3]! + b3 + s3;
        y[yc] = y[yc]! + b0 + t0;
        y[yc + 1] = y[yc + 1]! + b1 + t1;
        y[yc + 2] = y[yc + 2]! + b2 + t2;
        y[yc + 3] = y[yc + 3]! + b3 + t3;
      } else {
        y[ya] = b0 + s0;
        y[ya + 1] = b1 + s1;
        y[ya + 2] = b2 + s2;
        y[ya + 3] = b3 + s3;
        y[yc] = b0 + t0;
        y[yc + 1] = b1 + t1;
        y[yc + 2] = b2 + t2;
        y[yc + 3] = b3 + t3;
      }
    }
    if (r < rows) {
      const xa = xOff + r * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i++) {
        const a = x[xa + i]!;
        s0 += a * wt[w0 + i]!;
        s1 += a * wt[w1 + i]!;
        s2 += a * wt[w2 + i]!;
        s3 += a * wt[w3 + i]!;
      }
      const ya = yOff + r * m + o;
      y[ya] = (accumulate ? y[ya]! : 0) + b0 + s0;
      y[ya + 1] = (accumulate ? y[ya + 1]! : 0) + b1 + s1;
      y[ya + 2] = (accumulate ? y[ya + 2]! : 0) + b2 + s2;
      y[ya + 3] = (accumulate ? y[ya + 3]! : 0) + b3 + s3;
    }
  }
  for (; o < m; o++) {
    const w0 = o * n;
    for (let r = 0; r < rows; r++) {
      const xa = xOff + r * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += x[xa + i]! * wt[w0 + i]!;
      const yo = yOff + r * m + o;
      y[yo] = (accumulate ? y[yo]! : 0) + bias[o]! + s;
    }
  }
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * v ← act(v) over [off, off + len); with `deriv`, also deriv[dOff + i] = act′ at that element (the
 * backward pass multiplies by it). Formulas as in src/tensor/activations.ts.
 */
function activate(
  v: Float32Array,
  off: number,
  len: number,
  kind: number,
  deriv: Float32Array | null,
  dOff: number,
): void {
  const end = off + len;
  switch (kind) {
    case ACT_ELU:
      if (deriv === null) {
        for (let i = off; i < end; i++) {
          const a = v[i]!;
          if (a <= 0) v[i] = Math.expm1(a);
        }
      } else {
        for (let i = off; i < end; i++) {
          const a = v[i]!;
          if (a > 0) deriv[dOff + i - off] = 1;
          else {
            const e = Math.exp(a);
            v[i] = e - 1;
            deriv[dOff + i - off] = e;
          }
        }
      }
      return;
    case ACT_RELU:
      for (let i = off; i < end; i++) {
        const a = v[i]!;
        if (a > 0) {
          if (deriv !== null) deriv[dOff + i - off] = 1;
        } else {
          v[i] = 0;
          if (deriv !== null) deriv[dOff + i - off] = 0;
        }
      }
      return;
    case ACT_SILU:
      for (let i = off; i < end; i++) {
        const a = v[i]!;
        const s = 1 / (1 + Math.exp(-a));
        const y = a * s;
        v[i] = y;
        if (deriv !== null) deriv[dOff + i - off] = s + y * (1 - s);
      }
      return;
    case ACT_GELU:
      for (let i = off; i < end; i++) {
        const a = v[i]!;
        const a2 = a * a;
        const s = 1 / (1 + Math.exp(-a * (a2 * GELU_CA + GELU_C)));
        const y = a * s;
        v[i] = y;
        if (deriv !== null) deriv[dOff + i - off] = s + y * (1 - s) * (3 * GELU_CA * a2 + GELU_C);
      }
      return;
  }
}

/** v[off + i] ← v[off + i]·d[dOff + i] for i < len. */
function multiply(v: Float32Array, off: number, d: Float32Array, dOff: number, len: number): void {
  for (let i = 0; i < len; i++) v[off + i] = v[off + i]! * d[dOff + i]!;
}

/**
 * ResBlock(Hd → Hd) forward in place: h ← act(h + act(h·W1 + b1)·W2 + b2); `tmp` holds the inner layer.
 * Derivatives go to tape layers l (inner) and l + 1 (output) of the step's block at `layer0`.
 */
function resBlock(
  h: Float32Array,
  tmp: Float32Array,
  b: number,
  hd: number,
  w1: Dense,
  w2: Dense,
  act: number,
  deriv: Float32Array | null,
  layer0: number,
  l: number,
): void {
  const bh = b * hd;
  dense(h, 0, b, hd, w1.wt, hd, w1.b, tmp, 0, false);
  activate(tmp, 0, bh, act, deriv, layer0 + l * bh);
  dense(tmp, 0, b, hd, w2.wt, hd, w2.b, h, 0, true);
  activate(h, 0, bh, act, deriv, layer0 + (l + 1) * bh);
}

/**
 * ResBlock backward in place: dh (the gradient at the block's output) ← gradient at its input, where l is
 * the tape layer of the block's output activation (l − 1 the inner one).
 */
function backResBlock(
  dh: Float32Array,
  tmp: Float32Array,
  b: number,
  hd: number,
  w1: Dense,
  w2: Dense,
  deriv: Float32Array,
  layer0: number,
  l: number,
  zeros: Float32Array,
): void {
  const bh = b * hd;
  multiply(dh, 0, deriv, layer0 + l * bh, bh);
  dense(dh, 0, b, hd, w2.w, hd, zeros, tmp, 0, false);
  multiply(tmp, 0, deriv, layer0 + (l - 1) * bh, bh);
  dense(tmp, 0, b, hd, w1.w, hd, zeros, dh, 0, true);
}
