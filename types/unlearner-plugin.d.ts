/**
 * The interface of a plug-in unlearner (docs/unlearning.md, "Write your own unlearner").
 *
 * A plug-in is an ES module (`.mjs`, or `.js` under `"type": "module"`) whose default export is
 * an `UnlearnerPlugin`. The engine loads it by path, calls `unlearn(ctx)` once per group of K
 * original models (stacked on a leading model axis, like every built-in method), and scores the
 * result exactly like the built-ins: KLoM against the oracles at every budget, cost per SPEC §3,
 * a loss trace, divergence. Each group's result is stored on its own (keyed by the module's
 * SHA-256 and the group), and a resumed comparison calls `unlearn` only for the groups not yet
 * stored: a call must depend on its `ctx` alone, not on state kept from an earlier call.
 *
 * Use `ctx.tf`, never an `import` of TensorFlow.js: the engine bundles its own copy, and tensors
 * made by another copy live on another engine and cannot meet the model's weights. In
 * TypeScript, `npm i -D @tensorflow/tfjs-core` gives the types below; import it with
 * `import type` only.
 */
import type * as tfjs from '@tensorflow/tfjs-core';

export type Tf = typeof tfjs;

/** Named parameter tensors of K models, each shaped [K, ...]; the order is `ctx.model.paramNames`. */
export type StackedParams = Record<string, tfjs.Tensor>;

export interface UnlearnerPlugin {
  /** The version of this interface the plug-in was written for. */
  readonly apiVersion: 1;
  /**
   * The method id on the command line, in experiment files and in results: lower-case letters,
   * digits and "-", starting with a letter, at most 64 characters; not a built-in method's id.
   */
  readonly id: string;
  /** Shown in tables and pickers (default: the id). */
  readonly label?: string;
  readonly description?: string;
  /**
   * Budgets in epochs, strictly ascending (default [1, 3, 5]). `ctx.epochs` is the largest; the
   * others are read off the same run when `ctx.endEpoch()` reaches them, as for the built-ins.
   */
  readonly budgets?: readonly number[];
  /**
   * Unlearns the K models of one group: run `ctx.epochs` epochs, changing the weights through
   * `ctx.step` (or `ctx.setParams`), and call `await ctx.endEpoch()` once at the end of each.
   */
  unlearn(ctx: UnlearnerContext): Promise<void> | void;
}

/** One minibatch for all K models, each model with its own B training indices. */
export interface Batch {
  /** [K × B], row-major: model k's indices are `indices.subarray(k * size, (k + 1) * size)`. */
  readonly indices: Int32Array;
  /** B: examples per model. */
  readonly size: number;
  /** The epoch's nominal batch size: a shorter (last) batch takes a proportionally shorter step, as in the built-ins. */
  readonly fullSize?: number;
}

/** What a loss function sees: the batch on the backend and the models' outputs on it. */
export interface BatchTensors {
  /** [K, B, C] logits of the current weights (training mode). */
  readonly logits: tfjs.Tensor3D;
  /** [K, B] int32 true labels. */
  readonly labels: tfjs.Tensor2D;
  /** [K, B] int32 training indices of the examples. */
  readonly indices: tfjs.Tensor2D;
}

/** Per-model loss [K] of a batch; the engine minimises their sum (model k's gradient is its own). */
export type LossFn = (b: BatchTensors) => tfjs.Tensor1D;

export interface OptimizerOptions {
  optimizer: 'sgd' | 'adam';
  lr: number;
  /** SGD momentum (default 0.9). */
  momentum?: number;
  /** L2 weight decay added to the gradient, as PyTorch does (default 5e-4 for SGD, 0 for Adam). */
  weightDecay?: number;
}

/** The engine's optimiser (PyTorch semantics), holding its state across steps and phases. */
export interface PluginOptimizer {
  readonly options: Readonly<Required<OptimizerOptions>>;
}

/** A seeded random stream (xoshiro128**), one per model. */
export interface PluginRng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** Fisher–Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T;
}

export interface StepOptions {
  batch: Batch;
  optimizer: PluginOptimizer;
  /** Per-model loss; runs inside `tf.tidy`, so tensors it makes need no disposing. */
  loss: LossFn;
  /** Name of the pass in the loss trace, e.g. "descent-R" (one mean per epoch and phase). */
  phase: string;
  /** This step's learning rate (default: the optimiser's). */
  lr?: number;
}

export interface UnlearnerContext {
  /** The engine's TensorFlow.js: use it for every tensor. */
  readonly tf: Tf;
  /** Epochs to run (the largest budget). */
  readonly epochs: number;
  /** The budgets (epochs) at which the models are scored. */
  readonly budgets: readonly number[];
  /** K: models unlearned together in this call. */
  readonly models: number;
  /** One seed per model (the original's seed); draw randomness from `rng`, which derives from it. */
  readonly seeds: readonly number[];
  readonly numClasses: number;
  readonly inputShape: readonly number[];
  /** Size n of the training split; every index below refers to it. */
  readonly trainSize: number;
  /** Training indices of the forget set F, sorted. */
  readonly forget: Int32Array;
  /** Training indices of the retain set R = S \ F, sorted. */
  readonly retain: Int32Array;
  /** True labels of the training split (host memory). */
  readonly labels: Int32Array;
  /** The training split on the backend: x [n, ...inputShape] float32, y [n] int32. Do not dispose. */
  readonly data: { readonly x: tfjs.Tensor; readonly y: tfjs.Tensor1D };
  /** The model as a pure function of stacked parameters. */
  readonly model: {
    readonly paramNames: readonly string[];
    /** x: [K, B, ...inputShape] → logits [K, B, C]. */
    apply(params: StackedParams, x: tfjs.Tensor, training: boolean): tfjs.Tensor3D;
  };
  /** The current weights (owned by the engine: read them, do not dispose them). */
  readonly params: StackedParams;
  /** Per-model losses built from the engine's own: cross-entropy on the given labels, [K]. */
  readonly losses: {
    crossEntropy(logits: tfjs.Tensor3D, labels: tfjs.Tensor2D): tfjs.Tensor1D;
  };
  /** One seeded stream per model for `label`: the same label gives the same streams. */
  rng(label: string): PluginRng[];
  /** One epoch's minibatches over `indices`, each model in its own seeded order (the last may be short). */
  batches(indices: Int32Array, batchSize: number, epoch: number, label?: string): Batch[];
  /** [K, B, ...inputShape] inputs and [K, B] labels of a batch; the caller disposes them. */
  gather(batch: Batch): { x: tfjs.Tensor; y: tfjs.Tensor2D };
  createOptimizer(options: OptimizerOptions): PluginOptimizer;
  /**
   * One optimiser step on the current weights: gradients of the summed per-model loss, a short
   * batch weighted by its size. Counts B forward+backward examples per model towards the cost and
   * adds the batch's loss to the phase's trace.
   */
  step(options: StepOptions): void;
  /** Logits [K, B, C] of the current weights in eval mode, no gradient; counted at 1/3 per example. The caller disposes them. */
  forward(batch: Batch): tfjs.Tensor3D;
  /**
   * Replaces the weights (same names and shapes, float32); the engine takes ownership of the new
   * tensors and disposes the old ones. Non-finite values are reported as divergence.
   */
  setParams(params: StackedParams): void;
  /** Work done outside `step` / `forward`, per model, for the cost (SPEC §3). */
  addCost(work: { backwardExamples?: number; forwardOnlyExamples?: number }): void;
  /** A loss computed outside `step`, per model, weighted by `examples` in its phase's mean. */
  reportLoss(phase: string, lossPerModel: readonly number[], examples?: number): void;
  /** Closes an epoch: loss trace, divergence checks, scoring at a budget, progress, cancellation. */
  endEpoch(): Promise<void>;
  /** Aborted when the job is cancelled (`endEpoch` and `step` also throw then). */
  readonly signal: AbortSignal | undefined;
}
