/**
 * The Diffusion Forcing network of create-model.ts in plain Float32Arrays: the same weights, the same maths,
 * no tensors (docs/performance.md §5, §7). For planning, where tfjs spends nearly all its time in
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
 * Speed: every weight is kept twice, W [in][out] and Wᵀ [out][in], so both passes read contiguous rows. The
 * dense products run in the kernels of plain-network-kernels.ts: WebAssembly SIMD (f32x4, hand-assembled)
 * where the engine has it, else JS dot-product kernels (8 outputs at once for one row, 4 outputs × 2 rows for a
 * batch). Weights and work buffers live in the kernels' memory; buffers grow to the largest call and are
 * reused: no allocation per token, no closures in inner loops. Results are views into those buffers, valid
 * until the next call.
 */
import { ConfigError, InputError } from '../errors.js';
import { tokenSize } from '../tasks/token-layout.js';
import { levelFeatureTable } from './create-model.js';
import { ACT_ELU, activate, activationCodes, sigmoid } from './plain-activations.js';
import {
  denseJs,
  jsKernels,
  type KernelKind,
  type Kernels,
  simdAvailable,
  simdFloats,
  simdKernels,
} from './plain-network-kernels.js';
import type { DfModel, ModelConfig } from './types.js';
import { defaultActivation } from './validate-model-config.js';

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

/** The per-step weights (placed in the kernels' memory). */
interface Weights {
  /** [W1x | Wsx], no bias (the biases are in the level part c(k)). */
  readonly xProj: Dense;
  /** [W1z | Wsz | Whh], bias [0 | 0 | b_hh]. */
  readonly zProj: Dense;
  readonly preW2: Dense;
  /** Pre blocks 1 … L−2: W1, W2 of each, in order. */
  readonly preBlocks: readonly Dense[];
  /** pre.out fused with the GRU input projection. */
  readonly gruIn: Dense;
  readonly postW1: Dense;
  readonly postW2: Dense;
  readonly postWs: Dense | null;
  readonly postBlocks: readonly Dense[];
  readonly postOut: Dense;
  readonly head: Dense;
}

/** The level-embedding weights, used once per level value (JS heap). */
interface LevelWeights {
  readonly w1: Dense;
  readonly w2: Dense;
  readonly w1e: Dense;
  readonly wse: Dense;
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

export interface PlainNetworkOptions {
  /** Dense kernels: 'simd' (default where WebAssembly SIMD validates) or 'js'. */
  readonly kernels?: KernelKind;
}

/** The network's weights in Float32Arrays; build with `PlainNetwork.fromModel` or `plainNetworkFor`. */
export class PlainNetwork {
  /** The tfjs model the weights were read from; null for a copy made from a weight map (`fromWeights`). */
  readonly model: DfModel | null;
  readonly config: ModelConfig;
  readonly latentSize: number;
  readonly hiddenWidth: number;
  readonly tokenSize: number;
  readonly levels: number;
  readonly #act: number;
  readonly #mlpLayers: number;
  readonly #e: number;
  /** Activation layers per step: 2 per ResBlock, L−1 ResBlocks in each of the pre- and post-MLP. */
  readonly #actLayers: number;
  readonly #kernelKind: KernelKind;

  /** Weights as read from the model (JS heap). */
  #master!: Weights;
  #level!: LevelWeights;
  /** The same weights in the kernels' memory (the master copy itself for the JS kernels). */
  #w!: Weights;
  #k!: Kernels;
  readonly #features: Float32Array;
  /** c(k) per level [K][2Hd], filled on first use; `#levelReady[k]` = 1 once filled. */
  readonly #levelPart: Float32Array;
  readonly #levelReady: Uint8Array;
  /** Storage ids of the variables the snapshot was taken from. */
  #dataIds: readonly unknown[] = [];

  // Work buffers in the kernels' memory (re-placed when a call needs more rows or a larger batch).
  #rowCap = 0;
  #batchCap = 0;
  #xIn: Float32Array = new Float32Array(0);
  #p: Float32Array = new Float32Array(0);
  #zs: Float32Array = new Float32Array(0);
  #deriv: Float32Array = new Float32Array(0);
  #gates: Float32Array = new Float32Array(0);
  #out: Float32Array = new Float32Array(0);
  #dOut: Float32Array = new Float32Array(0);
  #dZ: Float32Array = new Float32Array(0);
  #dP: Float32Array = new Float32Array(0);
  #dX: Float32Array = new Float32Array(0);
  #zz: Float32Array = new Float32Array(0);
  #hA: Float32Array = new Float32Array(0);
  #hB: Float32Array = new Float32Array(0);
  #g: Float32Array = new Float32Array(0);
  #gi: Float32Array = new Float32Array(0);
  #carry: Float32Array = new Float32Array(0);
  #dz: Float32Array = new Float32Array(0);
  #dZz: Float32Array = new Float32Array(0);
  #generation = 0;
  #taped = -1;
  /** Multiply-adds of the dense products so far (for GFLOP/s figures). */
  #macs = 0;
  #version = 0;
  #source: ReadonlyMap<string, Float32Array> = new Map();

  private constructor(
    model: DfModel | null,
    config: ModelConfig,
    weights: ReadonlyMap<string, Float32Array> | null,
    options: PlainNetworkOptions,
  ) {
    const activation = config.activation ?? defaultActivation;
    const code = activationCodes[activation];
    if (code === undefined) {
      throw new ConfigError(
        `the plain network implements the activations ${Object.keys(activationCodes).join(', ')}, ` +
          `got '${String(activation)}'; plan with planNetwork 'tfjs' for this model`,
        'model.activation',
      );
    }
    const kernels = options.kernels ?? (simdAvailable() ? 'simd' : 'js');
    if (kernels !== 'simd' && kernels !== 'js') {
      throw new ConfigError(
        `plain network kernels must be 'simd' or 'js', got '${String(kernels)}'`,
        'kernels',
      );
    }
    if (kernels === 'simd' && !simdAvailable()) {
      throw new ConfigError(
        "this JavaScript engine has no WebAssembly SIMD; use the plain network's 'js' kernels",
        'kernels',
      );
    }
    this.model = model;
    this.config = config;
    this.#kernelKind = kernels;
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
    if (weights === null) this.refresh();
    else this.#load(weights);
  }

  /** Snapshots `model`'s current weights (one dataSync per weight). */
  static fromModel(model: DfModel, options: PlainNetworkOptions = {}): PlainNetwork {
    return new PlainNetwork(model, model.config as ModelConfig, null, options);
  }

  /**
   * A network from a model config and its weights by name (as `weights()` gives them): no tfjs, e.g. in a
   * worker thread.
   */
  static fromWeights(
    config: ModelConfig,
    weights: ReadonlyMap<string, Float32Array>,
    options: PlainNetworkOptions = {},
  ): PlainNetwork {
    return new PlainNetwork(null, config, weights, options);
  }

  /** The weights this network was built from, by name (the JS-heap copies; do not modify). */
  weights(): Map<string, Float32Array> {
    return new Map(this.#source);
  }

  /** Floating-point operations (2 per multiply-add) of every dense product this network has run. */
  get denseFlops(): number {
    return 2 * this.#macs;
  }

  /** Which dense kernels run. */
  get kernels(): KernelKind {
    return this.#kernelKind;
  }

  /** True when the model's weights were replaced since the snapshot (an optimizer step, an assign). */
  get stale(): boolean {
    if (this.model === null) return false;
    const vars = this.model.variables;
    if (vars.length !== this.#dataIds.length) return true;
    for (let i = 0; i < vars.length; i++) if (vars[i]!.dataId !== this.#dataIds[i]) return true;
    return false;
  }

  /** Re-reads every weight from the model; call after the weights change (no-op without a model). */
  refresh(): void {
    const model = this.model;
    if (model === null) return;
    const byName = new Map<string, Float32Array>();
    const names = model.weightNames;
    const vars = model.variables;
    for (let i = 0; i < names.length; i++) byName.set(names[i]!, Float32Array.from(vars[i]!.dataSync()));
    this.#load(byName);
    this.#dataIds = vars.map((v) => v.dataId);
    this.#version++;
  }

  /** Counts weight snapshots (refresh calls), so copies elsewhere (a helper thread) know when to reload. */
  get version(): number {
    return this.#version;
  }

  #load(byName: ReadonlyMap<string, Float32Array>): void {
    this.#source = byName;
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

    this.#level = {
      w1: dense('level.w1', 'level.b1', e, e),
      w2: dense('level.w2', 'level.b2', e, e),
      w1e: dense('pre.block0.w1e', 'pre.block0.b1', e, hd),
      wse: dense('pre.block0.wse', 'pre.block0.bs', e, hd),
    };
    const zBias = new Float32Array(2 * hd + 3 * z);
    zBias.set(get('gru.bhh', 3 * z), 2 * hd);
    const blocks = this.#mlpLayers - 2;
    const preBlocks: Dense[] = [];
    const postBlocks: Dense[] = [];
    for (let i = 1; i <= blocks; i++) {
      preBlocks.push(dense(`pre.block${i}.w1`, `pre.block${i}.b1`, hd, hd));
      preBlocks.push(dense(`pre.block${i}.w2`, `pre.block${i}.b2`, hd, hd));
      postBlocks.push(dense(`post.block${i}.w1`, `post.block${i}.b1`, hd, hd));
      postBlocks.push(dense(`post.block${i}.w2`, `post.block${i}.b2`, hd, hd));
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
    this.#master = {
      xProj: makeDense(
        concatColumns([get('pre.block0.w1x', d * hd), get('pre.block0.wsx', d * hd)], d, [hd, hd]),
        new Float32Array(2 * hd),
        d,
        2 * hd,
      ),
      zProj: makeDense(
        concatColumns(
          [get('pre.block0.w1z', z * hd), get('pre.block0.wsz', z * hd), get('gru.whh', z * 3 * z)],
          z,
          [hd, hd, 3 * z],
        ),
        zBias,
        z,
        2 * hd + 3 * z,
      ),
      preW2: dense('pre.block0.w2', 'pre.block0.b2', hd, hd),
      preBlocks,
      gruIn: makeDense(fused, fusedB, hd, 3 * z),
      postW1: dense('post.block0.w1', 'post.block0.b1', z, hd),
      postW2: dense('post.block0.w2', 'post.block0.b2', hd, hd),
      postWs: z === hd ? null : dense('post.block0.ws', 'post.block0.bs', z, hd),
      postBlocks,
      postOut: dense('post.out.w', 'post.out.b', hd, z),
      head: dense('head.w', 'head.b', z, d),
    };
    this.#levelReady.fill(0);
    this.#place(Math.max(this.#rowCap, 1), Math.max(this.#batchCap, 1));
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
   * respect to z0 is not formed). `tape` must come from the latest forward call. Tokens before `from` get 0
   * and cost nothing: a caller that reads dx only from token `from` on (the planner: tokens whose guidance
   * gain is 0 take no step) stops the backward recursion there.
   */
  backwardInputs(tape: PlainTape, dOut: Float32Array, from = 0): Float32Array {
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
    const w = this.#w;
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
    const bh = b * hd;
    const bz = b * z;

    const dOutIn = this.#dOut;
    dOutIn.set(dOut);
    const first = Math.min(Math.max(0, Math.floor(from)), tCount);
    const skipped = first * b;
    this.#back(w.head, dOutIn, skipped * d, n - skipped, dZ, skipped * z, false);
    carry.fill(0, 0, bz);
    for (let t = tCount - 1; t >= first; t--) {
      const layer0 = t * act * bh; // deriv block of step t, layer l at layer0 + l·bh
      for (let i = 0; i < bz; i++) dz[i] = dZ[t * bz + i]! + carry[i]!;
      // Post-MLP, last layer first. Layers in the tape: pre 0 … 2(L−1)−1, post 2(L−1) … 4(L−1)−1.
      this.#back(w.postOut, dz, 0, b, hA, 0, false);
      let l = act - 1;
      for (let k = blocks - 1; k >= 0; k--, l -= 2) {
        this.#backResBlock(b, w.postBlocks[2 * k]!, w.postBlocks[2 * k + 1]!, layer0, l);
      }
      // Post block 0: p = act(skip(g) + act(g·W1 + b1)·W2 + b2).
      multiply(hA, 0, deriv, layer0 + l * bh, bh);
      this.#back(w.postW2, hA, 0, b, hB, 0, false);
      multiply(hB, 0, deriv, layer0 + (l - 1) * bh, bh);
      if (w.postWs === null) g.set(hA.subarray(0, bz));
      else this.#back(w.postWs, hA, 0, b, g, 0, false);
      this.#back(w.postW1, hB, 0, b, g, 0, true);
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
      this.#back(w.gruIn, gi, 0, b, hA, 0, false);
      // Pre blocks L−2 … 1.
      for (let k = blocks - 1; k >= 0; k--, l -= 2) {
        this.#backResBlock(b, w.preBlocks[2 * k]!, w.preBlocks[2 * k + 1]!, layer0, l);
      }
      // Pre block 0: h = act(Z_s + P_s + a·W2 + b2), a = act(Z_a + P_1).
      multiply(hA, 0, deriv, layer0 + l * bh, bh);
      this.#back(w.preW2, hA, 0, b, hB, 0, false);
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
      this.#back(w.zProj, dZz, 0, b, carry, 0, true);
    }
    const dX = this.#dX;
    dX.fill(0, 0, skipped * d);
    this.#back(w.xProj, dP, skipped * 2 * hd, n - skipped, dX, skipped * d, false);
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
    if (n > this.#rowCap || b > this.#batchCap) {
      this.#place(Math.max(n, Math.ceil(this.#rowCap * 1.5)), Math.max(b, this.#batchCap));
    }
    this.#generation++;
    this.#taped = record ? this.#generation : -1;

    const w = this.#w;
    const zw = 2 * hd + 3 * z;
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
    const xIn = this.#xIn;
    xIn.set(x);
    this.#fwd(w.xProj, xIn, 0, n, p, 0, false);
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
      this.#fwd(w.zProj, zs, zPrev0, b, zz, 0, false);
      // Pre block 0.
      const p0 = t * b * 2 * hd;
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < hd; j++) hA[bi * hd + j] = zz[bi * zw + j]! + p[p0 + bi * 2 * hd + j]!;
      }
      this.#activate(hA, bh, deriv, layer0);
      this.#fwd(w.preW2, hA, 0, b, hB, 0, false);
      for (let bi = 0; bi < b; bi++) {
        for (let j = 0; j < hd; j++) {
          hB[bi * hd + j] = hB[bi * hd + j]! + zz[bi * zw + hd + j]! + p[p0 + bi * 2 * hd + hd + j]!;
        }
      }
      this.#activate(hB, bh, deriv, layer0 + bh);
      let l = 2;
      for (let k = 0; k < blocks; k++, l += 2) {
        this.#resBlock(b, w.preBlocks[2 * k]!, w.preBlocks[2 * k + 1]!, deriv, layer0, l);
      }
      // GRU.
      this.#fwd(w.gruIn, hB, 0, b, gi, 0, false);
      const gate0 = t * 4 * bz;
      const ew = this.#k.elementwise;
      if (ew !== null && z % 4 === 0) {
        for (let bi = 0; bi < b; bi++) {
          const tape = record ? gates : null;
          ew.gru(
            gi,
            bi * 3 * z,
            zz,
            bi * zw + 2 * hd,
            zs,
            zPrev0 + bi * z,
            g,
            bi * z,
            z,
            tape,
            gate0 + bi * z,
            bz,
          );
        }
      } else {
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
      }
      // Post block 0.
      this.#fwd(w.postW1, g, 0, b, hA, 0, false);
      this.#activate(hA, bh, deriv, layer0 + l * bh);
      if (w.postWs === null) hB.set(g.subarray(0, bz));
      else this.#fwd(w.postWs, g, 0, b, hB, 0, false);
      this.#fwd(w.postW2, hA, 0, b, hB, 0, true);
      this.#activate(hB, bh, deriv, layer0 + (l + 1) * bh);
      l += 2;
      for (let k = 0; k < blocks; k++, l += 2) {
        this.#resBlock(b, w.postBlocks[2 * k]!, w.postBlocks[2 * k + 1]!, deriv, layer0, l);
      }
      this.#fwd(w.postOut, hB, 0, b, zs, zPrev0 + bz, false);
    }
    const out = this.#out;
    this.#fwd(w.head, zs, bz, n, out, 0, false);
    return {
      out: out.subarray(0, n * d),
      zLast: zs.subarray(n * z, n * z + bz),
      tape: record ? { tokens: tCount, batch: b, generation: this.#generation } : null,
    };
  }

  /** y ← (acc ? y : 0) + x·W + b over `rows` rows. */
  #fwd(
    layer: Dense,
    x: Float32Array,
    xOff: number,
    rows: number,
    y: Float32Array,
    yOff: number,
    accumulate: boolean,
  ): void {
    const k = this.#k;
    this.#macs += rows * layer.n * layer.m;
    k.dense(
      x,
      xOff,
      rows,
      layer.n,
      k.kind === 'js' ? layer.wt : layer.w,
      layer.m,
      layer.b,
      y,
      yOff,
      accumulate,
    );
  }

  /** dx ← (acc ? dx : 0) + dy·Wᵀ over `rows` rows. */
  #back(
    layer: Dense,
    dy: Float32Array,
    dyOff: number,
    rows: number,
    dx: Float32Array,
    dxOff: number,
    accumulate: boolean,
  ): void {
    const k = this.#k;
    this.#macs += rows * layer.n * layer.m;
    k.dense(
      dy,
      dyOff,
      rows,
      layer.m,
      k.kind === 'js' ? layer.w : layer.wt,
      layer.n,
      null,
      dx,
      dxOff,
      accumulate,
    );
  }

  /**
   * v[0 … len) ← act(v), with the derivative taped at deriv[dOff …] when given: ELU in the SIMD element-wise
   * kernel (all but the last len mod 4 values), everything else in JS.
   */
  #activate(v: Float32Array, len: number, deriv: Float32Array | null, dOff: number): void {
    const ew = this.#k.elementwise;
    let done = 0;
    if (ew !== null && this.#act === ACT_ELU) {
      done = len - (len % 4);
      ew.elu(v, 0, done, deriv, dOff);
    }
    if (done < len) activate(v, done, len - done, this.#act, deriv, dOff + done);
  }

  /**
   * ResBlock(Hd → Hd) forward in place on #hB: h ← act(h + act(h·W1 + b1)·W2 + b2), inner layer in #hA.
   * Derivatives go to tape layers l (inner) and l + 1 (output) of the step's block at `layer0`.
   */
  #resBlock(b: number, w1: Dense, w2: Dense, deriv: Float32Array | null, layer0: number, l: number): void {
    const bh = b * this.hiddenWidth;
    const h = this.#hB;
    const tmp = this.#hA;
    this.#fwd(w1, h, 0, b, tmp, 0, false);
    this.#activate(tmp, bh, deriv, layer0 + l * bh);
    this.#fwd(w2, tmp, 0, b, h, 0, true);
    this.#activate(h, bh, deriv, layer0 + (l + 1) * bh);
  }

  /**
   * ResBlock backward in place on #hA: the gradient at the block's output ← the gradient at its input, where
   * l is the tape layer of the block's output activation (l − 1 the inner one); #hB is scratch.
   */
  #backResBlock(b: number, w1: Dense, w2: Dense, layer0: number, l: number): void {
    const bh = b * this.hiddenWidth;
    const dh = this.#hA;
    const tmp = this.#hB;
    const deriv = this.#deriv;
    multiply(dh, 0, deriv, layer0 + l * bh, bh);
    this.#back(w2, dh, 0, b, tmp, 0, false);
    multiply(tmp, 0, deriv, layer0 + (l - 1) * bh, bh);
    this.#back(w1, tmp, 0, b, dh, 0, true);
  }

  /** c(k) = [e(k)·W1e + b1 | e(k)·Wse + bs], computed once per level (JS kernels, float64 sums). */
  #fillLevel(k: number): void {
    const e = this.#e;
    const hd = this.hiddenWidth;
    const { w1, w2, w1e, wse } = this.#level;
    const f = this.#features.subarray(k * e, (k + 1) * e);
    const h = new Float32Array(e);
    denseJs(f, 0, 1, e, w1.wt, e, w1.b, h, 0, false);
    activate(h, 0, e, this.#act, null, 0);
    const emb = new Float32Array(e);
    denseJs(h, 0, 1, e, w2.wt, e, w2.b, emb, 0, false);
    denseJs(emb, 0, 1, e, w1e.wt, hd, w1e.b, this.#levelPart, k * 2 * hd, false);
    denseJs(emb, 0, 1, e, wse.wt, hd, wse.b, this.#levelPart, k * 2 * hd + hd, false);
    this.#levelReady[k] = 1;
  }

  /**
   * (Re)creates the kernels' memory for `rows` = T·B rows of batch `batch`: copies the weights in and makes
   * every work buffer. Runs on refresh and when a call outgrows the buffers (rare: they only grow).
   */
  #place(rows: number, batch: number): void {
    const z = this.latentSize;
    const hd = this.hiddenWidth;
    const d = this.tokenSize;
    const zw = 2 * hd + 3 * z;
    const widest = Math.max(hd, z);
    const buffers: [string, number][] = [
      ['xIn', rows * d],
      ['p', rows * 2 * hd],
      ['zs', (rows + batch) * z],
      ['deriv', rows * this.#actLayers * hd],
      ['gates', rows * 4 * z],
      ['out', rows * d],
      ['dOut', rows * d],
      ['dZ', rows * z],
      ['dP', rows * 2 * hd],
      ['dX', rows * d],
      ['zz', batch * zw],
      ['dZz', batch * zw],
      ['hA', batch * widest],
      ['hB', batch * widest],
      ['g', batch * z],
      ['gi', batch * 3 * z],
      ['carry', batch * z],
      ['dz', batch * z],
    ];
    const master = this.#master;
    const layers = allLayers(master);
    let kernels: Kernels;
    if (this.#kernelKind === 'simd') {
      // + the kernels' zero bias for backward products (at most max(z, Hd, D) wide).
      const sizes = [...buffers.map(([, size]) => size), Math.max(512, z, hd, d)];
      for (const layer of layers) sizes.push(layer.wt.length, layer.w.length, layer.b.length);
      kernels = simdKernels(simdFloats(sizes));
      const copy = (a: Float32Array): Float32Array => {
        const view = kernels.alloc(a.length);
        view.set(a);
        return view;
      };
      const place = (layer: Dense): Dense => ({
        n: layer.n,
        m: layer.m,
        wt: copy(layer.wt),
        w: copy(layer.w),
        b: copy(layer.b),
      });
      this.#w = {
        xProj: place(master.xProj),
        zProj: place(master.zProj),
        preW2: place(master.preW2),
        preBlocks: master.preBlocks.map(place),
        gruIn: place(master.gruIn),
        postW1: place(master.postW1),
        postW2: place(master.postW2),
        postWs: master.postWs === null ? null : place(master.postWs),
        postBlocks: master.postBlocks.map(place),
        postOut: place(master.postOut),
        head: place(master.head),
      };
    } else {
      kernels = jsKernels();
      this.#w = master;
    }
    this.#k = kernels;
    const made = new Map(buffers.map(([name, size]) => [name, kernels.alloc(size)]));
    const take = (name: string): Float32Array => made.get(name)!;
    this.#xIn = take('xIn');
    this.#p = take('p');
    this.#zs = take('zs');
    this.#deriv = take('deriv');
    this.#gates = take('gates');
    this.#out = take('out');
    this.#dOut = take('dOut');
    this.#dZ = take('dZ');
    this.#dP = take('dP');
    this.#dX = take('dX');
    this.#zz = take('zz');
    this.#dZz = take('dZz');
    this.#hA = take('hA');
    this.#hB = take('hB');
    this.#g = take('g');
    this.#gi = take('gi');
    this.#carry = take('carry');
    this.#dz = take('dz');
    this.#rowCap = rows;
    this.#batchCap = batch;
    this.#taped = -1;
  }
}

function allLayers(w: Weights): Dense[] {
  const list = [w.xProj, w.zProj, w.preW2, ...w.preBlocks, w.gruIn, w.postW1, w.postW2];
  if (w.postWs !== null) list.push(w.postWs);
  list.push(...w.postBlocks, w.postOut, w.head);
  return list;
}

const cache = new WeakMap<DfModel, PlainNetwork>();

/**
 * The plain network of `model` (default kernels), built once per model and re-snapshotted when its weights
 * have been replaced since (checked by storage id, a few dozen comparisons per call).
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

// ── helpers ──

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

/** v[off + i] ← v[off + i]·d[dOff + i] for i < len. */
function multiply(v: Float32Array, off: number, d: Float32Array, dOff: number, len: number): void {
  for (let i = 0; i < len; i++) v[off + i] = v[off + i]! * d[dOff + i]!;
}
