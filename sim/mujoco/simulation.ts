/**
 * One compiled MuJoCo model and its simulation state. The class owns both WASM handles (`MjModel`,
 * `MjData`): they live on the WebAssembly heap, are not garbage-collected, and are freed by `close()`.
 * `qpos`/`qvel`/`ctrl` on `data` are live Float64Array views into that heap.
 */
import type { MjData, MjModel } from 'mujoco';
import type { MujocoModule } from './load-mujoco.js';
import { MujocoError, mujocoMessage } from './mujoco-error.js';

/**
 * Compiles an MJCF string through the spec API (no virtual file system needed). The caller owns the
 * returned model and must `.delete()` it. `name` appears in error messages.
 */
export function compileModel(mj: MujocoModule, xml: string, name = 'model'): MjModel {
  let spec: ReturnType<MujocoModule['parseXMLString']>;
  try {
    spec = mj.parseXMLString(xml);
  } catch (error) {
    throw new MujocoError(`MJCF for ${name} did not parse: ${mujocoMessage(error)}`, { cause: error });
  }
  try {
    return mj.mj_compile(spec);
  } catch (error) {
    throw new MujocoError(`MJCF for ${name} did not compile: ${mujocoMessage(error)}`, { cause: error });
  } finally {
    spec.delete();
  }
}

/** Live views of the state arrays most loops touch. */
export interface StateViews {
  readonly qpos: Float64Array;
  readonly qvel: Float64Array;
  readonly ctrl: Float64Array;
}

export class Simulation {
  readonly name: string;
  readonly #mj: MujocoModule;
  #model: MjModel | undefined;
  #data: MjData | undefined;
  #views: StateViews | undefined;

  /** Compiles `xml` and allocates its data; `name` labels errors. */
  constructor(mj: MujocoModule, xml: string, name = 'model') {
    this.name = name;
    this.#mj = mj;
    this.#model = compileModel(mj, xml, name);
    try {
      this.#data = new mj.MjData(this.#model);
    } catch (error) {
      this.#model.delete();
      this.#model = undefined;
      throw new MujocoError(`cannot allocate MjData for ${name}: ${mujocoMessage(error)}`, { cause: error });
    }
  }

  get model(): MjModel {
    if (!this.#model) throw this.#closedError();
    return this.#model;
  }

  get data(): MjData {
    if (!this.#data) throw this.#closedError();
    return this.#data;
  }

  /**
   * Cached qpos/qvel/ctrl views. Each `data.qpos` read builds a new typed array (~0.4 µs, more than a
   * third of a maze step's overhead), so hot loops use these. This build's heap is a SharedArrayBuffer, so
   * views stay valid when the heap grows; should a build detach them instead (length 0), we rebuild.
   */
  get state(): StateViews {
    let views = this.#views;
    if (!views || views.qpos.length === 0 || views.qvel.length === 0 || views.ctrl.length === 0) {
      const data = this.data;
      views = { qpos: data.qpos, qvel: data.qvel, ctrl: data.ctrl };
      this.#views = views;
    }
    return views;
  }

  get closed(): boolean {
    return this.#model === undefined;
  }

  /** One `mj_step` (the model's integrator and timestep). */
  step(): void {
    this.#mj.mj_step(this.model, this.data);
  }

  /** Back to the model's default state (qpos0, zero velocity, zero controls, time 0, no warm start). */
  resetData(): void {
    this.#mj.mj_resetData(this.model, this.data);
  }

  /** Recomputes derived quantities (positions of bodies, contacts) after qpos/qvel were written. */
  forward(): void {
    this.#mj.mj_forward(this.model, this.data);
  }

  /** Frees both handles. Safe to call twice. */
  close(): void {
    this.#data?.delete();
    this.#model?.delete();
    this.#data = undefined;
    this.#model = undefined;
    this.#views = undefined;
  }

  #closedError(): MujocoError {
    return new MujocoError(`simulation ${this.name} was closed; create a new one`);
  }
}
