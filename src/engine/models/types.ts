/**
 * Models are pure functions of stacked parameters: every parameter tensor carries a leading
 * model axis K, so one call trains or evaluates K independently seeded models at once
 * (a batched ensemble). Model k's parameters, gradients and outputs depend only on slice k.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';

export const modelSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('logreg') }),
  z.object({ kind: z.literal('mlp'), hidden: z.array(z.number().int().positive()).min(1).default([256]) }),
  z.object({
    kind: z.literal('cnn'),
    /** Channels of the two 3×3 conv layers; a 2×2 max-pool follows them. */
    channels: z.tuple([z.number().int().positive(), z.number().int().positive()]).default([16, 32]),
  }),
  z.object({ kind: z.literal('resnet9'), width: z.number().int().positive().default(64) }),
]);
export type ModelSpec = z.infer<typeof modelSpecSchema>;
export type ModelKind = ModelSpec['kind'];
export const MODEL_KINDS: readonly ModelKind[] = ['logreg', 'mlp', 'cnn', 'resnet9'];

/** Named parameter tensors, each shaped [K, ...]. Order is fixed by `ModelDef.paramNames`. */
export type Params = Record<string, tf.Tensor>;

/** Non-trainable state such as batch-norm running statistics, also shaped [K, ...]. */
export type ModelState = Record<string, tf.Tensor>;

export interface ForwardResult {
  /** [K, B, C] */
  logits: tf.Tensor3D;
  /** Updated non-trainable state (training mode only); caller owns it. */
  state?: ModelState;
}

/** A training forward pass that keeps what its hand-written backward needs. */
export interface ForwardWithBackward {
  /** [K, B, C] */
  logits: tf.Tensor3D;
  /** The gradient of every parameter, given the loss's gradient with respect to `logits`. */
  backward(dLogits: tf.Tensor3D): Params;
}

export interface ModelDef {
  readonly spec: ModelSpec;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly paramNames: readonly string[];
  /** Fresh parameters for K models, model k drawn from seeds[k] alone. */
  init(seeds: readonly number[]): { params: Params; state: ModelState };
  /**
   * x: [K, B, ...inputShape]. In training mode batch-norm uses batch statistics and returns
   * updated running statistics; in eval mode it uses the stored ones.
   */
  apply(params: Params, state: ModelState, x: tf.Tensor, training: boolean): ForwardResult;
  /**
   * The same forward pass as `apply` in training mode, with its backward written out: fewer
   * kernels than autograd records (docs/training.md). Only models without state have it; the
   * trainer falls back to autograd for the others.
   */
  applyWithBackward?(params: Params, x: tf.Tensor): ForwardWithBackward;
  /** Number of trainable scalars of one model. */
  paramCount(): number;
}
