/**
 * Closed-form per-example gradients of an MLP (ReLU hidden layers; logreg has none) for TRAK,
 * without autograd per example. For an output f of example x, the gradient with respect to
 * layer l's augmented weight [W_l; b_l] is the outer product h̃_l δ_lᵀ of the layer's input
 * (with a trailing 1 for the bias) and the back-propagated error δ_l = ∂f/∂z_l:
 *   δ_last = ∂f/∂logits,   δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ 1[z_l > 0].
 * Two outputs: the margin m = z_y − log Σ_{j≠y} exp z_j (∂m/∂z_y = 1, ∂m/∂z_j = −p_j/(1−p_y)),
 * and each logit z_c (δ_last = e_c), which gives C error vectors per layer from one forward pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnlearnError } from '../errors';
import type { ModelSpec, Params } from '../models';

/** One model's weights, layer by layer: w [in, out], b [1, out]. */
export interface MlpLayers {
  w: tf.Tensor2D[];
  b: tf.Tensor2D[];
}

/** What the projection needs from a batch of B examples. */
export interface PerExampleTerms {
  /** Per layer: the augmented input h̃_l [B, in_l + 1]. */
  inputs: tf.Tensor2D[];
  /** Per layer: δ_l [B, R, out_l]; R = 1 for the margin, C for the logits. */
  deltas: tf.Tensor3D[];
}

export function checkTrakModel(spec: ModelSpec): void {
  if (spec.kind !== 'mlp' && spec.kind !== 'logreg') {
    throw new UnlearnError('bad-config', `TRAK is implemented for mlp and logreg models only (closed-form per-example gradients); model "${spec.kind}" is not supported yet — use the regression datamodels (dm-direct, dmm)`);
  }
}

/** Model k's layers out of stacked parameters ([K, in, out] and [K, 1, out]). Caller disposes. */
export function layersOfModel(params: Params, k: number): MlpLayers {
  const w: tf.Tensor2D[] = [];
  const b: tf.Tensor2D[] = [];
  for (let l = 0; params[`w${l}`]; l++) {
    const wl = params[`w${l}`];
    const bl = params[`b${l}`];
    w.push(tf.tidy(() => tf.squeeze(tf.slice(wl, [k, 0, 0], [1, -1, -1]), [0])) as tf.Tensor2D);
    b.push(tf.tidy(() => tf.squeeze(tf.slice(bl, [k, 0, 0], [1, -1, -1]), [0])) as tf.Tensor2D);
  }
  if (w.length === 0) throw new UnlearnError('bad-config', 'the model has no dense layers w0, w1, …');
  return { w, b };
}

export function disposeLayers(m: MlpLayers): void {
  for (const t of [...m.w, ...m.b]) t.dispose();
}

/** Parameters of each layer as (rows = in + 1, out): the shapes of the projection's blocks. */
export function layerShapes(m: MlpLayers): Array<{ rows: number; out: number }> {
  return m.w.map((w) => ({ rows: w.shape[0] + 1, out: w.shape[1] }));
}

interface Forward {
  inputs: tf.Tensor2D[];
  /** ReLU masks of the hidden layers (1 where z_l > 0), [B, out_l]. */
  active: tf.Tensor2D[];
  logits: tf.Tensor2D;
}

function forward(m: MlpLayers, x: tf.Tensor2D): Forward {
  const L = m.w.length;
  const inputs: tf.Tensor2D[] = [];
  const active: tf.Tensor2D[] = [];
  let h = x;
  let logits: tf.Tensor2D | undefined;
  for (let l = 0; l < L; l++) {
    inputs.push(tf.concat([h, tf.ones([h.shape[0], 1])], 1));
    const z = tf.add(tf.matMul(h, m.w[l]), m.b[l]) as tf.Tensor2D;
    if (l + 1 < L) {
      active.push(tf.cast(tf.greater(z, 0), 'float32') as tf.Tensor2D);
      h = tf.relu(z);
    } else logits = z;
  }
  if (!logits) throw new UnlearnError('bad-config', 'the model has no output layer');
  return { inputs, active, logits };
}

/** Back-propagates δ_last [B, R, C] through the layers: δ_l [B, R, out_l] for every layer. */
function backward(m: MlpLayers, f: Forward, last: tf.Tensor3D): tf.Tensor3D[] {
  const L = m.w.length;
  const deltas: tf.Tensor3D[] = new Array<tf.Tensor3D>(L);
  deltas[L - 1] = last;
  const [B, R] = last.shape;
  for (let l = L - 2; l >= 0; l--) {
    const up = tf.reshape(deltas[l + 1], [B * R, -1]);
    const back = tf.reshape(tf.matMul(up, m.w[l + 1], false, true), [B, R, -1]);
    deltas[l] = tf.mul(back, tf.expandDims(f.active[l], 1));
  }
  return deltas;
}

/**
 * Margin terms of a batch, and Q = 1 − p_y (TRAK's residual weights). Tensors are kept
 * (call inside tf.tidy or dispose them).
 */
export function marginTerms(m: MlpLayers, x: tf.Tensor2D, y: tf.Tensor1D): PerExampleTerms & { q: tf.Tensor1D } {
  const f = forward(m, x);
  const C = f.logits.shape[1];
  const p = tf.softmax(f.logits);
  const onehot = tf.cast(tf.oneHot(y, C), 'float32') as tf.Tensor2D;
  const py = tf.sum(tf.mul(p, onehot), 1);
  const notY = tf.sub(1, onehot);
  // −p_j / (1 − p_y) for j ≠ y, as the softmax over the other classes (stable when p_y → 1).
  const masked = tf.add(f.logits, tf.mul(onehot, -1e30));
  const pOther = tf.mul(tf.softmax(masked), notY);
  const last = tf.expandDims(tf.sub(onehot, pOther), 1) as tf.Tensor3D;
  return { inputs: f.inputs, deltas: backward(m, f, last), q: tf.sub(1, py) };
}

/** Logit terms of a batch: δ for each of the C logits. */
export function logitTerms(m: MlpLayers, x: tf.Tensor2D): PerExampleTerms {
  const f = forward(m, x);
  const [B, C] = f.logits.shape;
  const last = tf.tile(tf.expandDims(tf.eye(C), 0), [B, 1, 1]) as tf.Tensor3D;
  return { inputs: f.inputs, deltas: backward(m, f, last) };
}

/**
 * The full per-example gradients [B, R, |θ|] in the order [vec(W_0), b_0, vec(W_1), …]
 * (each layer's augmented weight, row-major): for tests and tiny problems only.
 */
export function denseGradients(t: PerExampleTerms): tf.Tensor3D {
  return tf.tidy(() => {
    const parts = t.inputs.map((h, l) => {
      const d = t.deltas[l];
      const [B, R, out] = d.shape;
      // [B, R, in+1, out] = h̃[b, p] · δ[b, r, q]
      const outer = tf.mul(tf.reshape(h, [B, 1, -1, 1]), tf.reshape(d, [B, R, 1, out]));
      return tf.reshape(outer, [B, R, -1]);
    });
    return tf.concat(parts, 2) as tf.Tensor3D;
  });
}
