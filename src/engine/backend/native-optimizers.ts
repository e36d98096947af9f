/**
 * SGD momentum and Adam updated in place on tfjs-node, through TensorFlow resource variables.
 *
 * Why: an ensemble's weights are large ([32,784,256] is 26 MB), so an update is bound by memory
 * traffic, and op by op every elementwise step reads and writes whole tensors and allocates a
 * temporary (glibc then keeps the freed buffers: most of the OM / DMM peak RSS, docs/training.md).
 * TensorFlow's own `ResourceApplyMomentum` and `ResourceApplyAdam` make one pass over variables
 * they update in place.
 *
 * Both compute PyTorch's formulas with TensorFlow's rounding (tested to float32 rounding): SGD
 * adds the weight decay to the momentum buffer, scaled by 1/μ, instead of to a copy of the
 * gradient; Adam's TensorFlow kernel folds the bias corrections into the step size and adds ε to
 * √v rather than to √v̂, so ε is passed as ε·√(1 − β₂ᵗ).
 *
 * In-place is safe because TensorFlow copies a variable's buffer before updating it whenever
 * anything else still refers to it. So the params this returns alias the variable, and the next
 * step disposes them before the update: a caller that kept a clone gets a copy made, not a
 * changed tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeBackend, typeAttr, type NativeBackend, type OpAttr } from './native-ops';

export interface InPlaceOptimizer {
  /**
   * One step for the parameter `name`. Takes ownership of p and g (both are disposed) and returns
   * the new p.
   */
  step(name: string, p: tf.Tensor, g: tf.Tensor, lr: number): tf.Tensor;
  dispose(): void;
}

interface Slot {
  param: tf.Tensor;
  /** The optimizer's state: the momentum buffer, or Adam's two moments. */
  states: tf.Tensor[];
  /** Adam's gradient, so that weight decay is added to it in place too (made on first use). */
  grad?: tf.Tensor;
  /** Steps taken (Adam's t). */
  steps: number;
  /** The data of the tensor the last step returned: a caller passing it back needs no copy in. */
  returned: object;
}

/** Resource names must be unique per process: eager variables with one name are one variable. */
let variableCount = 0;

/** Resource variables per parameter name, and the steps every optimizer shares. */
class Slots {
  private readonly slots = new Map<string, Slot>();
  readonly tFloat: OpAttr;
  readonly noLocking: OpAttr;
  readonly noNesterov: OpAttr;
  private readonly dtypeFloat: OpAttr;

  constructor(
    readonly be: NativeBackend,
    private readonly weightDecay: number,
  ) {
    this.dtypeFloat = typeAttr(be, 'dtype', 'float32');
    this.tFloat = typeAttr(be, 'T', 'float32');
    this.noLocking = { name: 'use_locking', type: be.binding.TF_ATTR_BOOL, value: false };
    this.noNesterov = { name: 'use_nesterov', type: be.binding.TF_ATTR_BOOL, value: false };
  }

  get(name: string): Slot | undefined {
    return this.slots.get(name);
  }

  create(name: string, shape: number[], stateCount: number): Slot {
    const slot: Slot = { param: this.variable(shape), states: Array.from({ length: stateCount }, () => this.variable(shape)), steps: 0, returned: {} };
    this.slots.set(name, slot);
    return slot;
  }

  assign(v: tf.Tensor, value: tf.Tensor): void {
    this.be.executeMultipleOutputs('AssignVariableOp', [this.dtypeFloat], [v, value], 0);
  }

  read(v: tf.Tensor): tf.Tensor {
    return this.be.executeSingleOutput('ReadVariableOp', [this.dtypeFloat], [v]);
  }

  /** Copies p into the slot unless it is what the last step returned (a caller changed the params). */
  load(slot: Slot, p: tf.Tensor): void {
    if (p.dataId !== slot.returned) this.assign(slot.param, p);
  }

  /**
   * Loads p (see `load`) and returns g + wd·p (g itself without weight decay). Takes ownership
   * of p and g.
   */
  decayedGradient(slot: Slot, p: tf.Tensor, g: tf.Tensor): tf.Tensor {
    this.load(slot, p);
    let decayed = g;
    if (this.weightDecay > 0) {
      slot.grad ??= this.variable(g.shape);
      this.assign(slot.grad, g);
      g.dispose();
      // g − p·(−wd) is g + p·wd exactly: negation and subtraction of a negation are exact.
      const alpha = tf.scalar(-this.weightDecay);
      this.be.executeMultipleOutputs('ResourceApplyGradientDescent', [this.tFloat, this.noLocking], [slot.grad, alpha, p], 0);
      alpha.dispose();
      decayed = this.read(slot.grad);
    }
    // Last use of p: with it gone, the update needs no copy of the weights.
    p.dispose();
    return decayed;
  }

  /** The slot's params after its update, kept out of the caller's tf.tidy. */
  result(slot: Slot): tf.Tensor {
    const out = tf.keep(this.read(slot.param));
    slot.returned = out.dataId;
    return out;
  }

  dispose(): void {
    const ignoreMissing: OpAttr = { name: 'ignore_lookup_error', type: this.be.binding.TF_ATTR_BOOL, value: true };
    for (const { param, states, grad } of this.slots.values()) {
      for (const v of [param, ...states, ...(grad ? [grad] : [])]) {
        this.be.executeMultipleOutputs('DestroyResourceOp', [ignoreMissing], [v], 0);
        v.dispose();
      }
    }
    this.slots.clear();
  }

  private variable(shape: number[]): tf.Tensor {
    const b = this.be.binding;
    // Kept: a caller's tf.tidy must not dispose what lives across steps.
    return tf.keep(
      this.be.executeSingleOutput(
        'VarHandleOp',
        [this.dtypeFloat, { name: 'shape', type: b.TF_ATTR_SHAPE, value: shape }, { name: 'container', type: b.TF_ATTR_STRING, value: '' }, { name: 'shared_name', type: b.TF_ATTR_STRING, value: `unlearn-optimizer-${variableCount++}` }],
        [],
      ),
    );
  }
}

/**
 * PyTorch's SGD: g′ = g + wd·p, buf = μ·buf + g′ (buf = g′ on its first step), p − lr·buf.
 * Undefined unless the current backend is tfjs-node's.
 */
export function createInPlaceMomentum(momentum: number, weightDecay: number): InPlaceOptimizer | undefined {
  const be = nativeBackend();
  if (!be) return undefined;
  const slots = new Slots(be, weightDecay);
  return {
    step(name, p, g, lr) {
      let slot = slots.get(name);
      if (!slot) {
        // The first step has no buffer yet: buf = g′, and p − lr·g′ with the same ops as elsewhere.
        const [next, decayed] = tf.tidy(() => {
          const gd = weightDecay > 0 ? tf.add(g, tf.mul(p, weightDecay)) : g;
          return [tf.sub(p, tf.mul(gd, lr)), gd];
        });
        slot = slots.create(name, p.shape, 1);
        slots.assign(slot.param, next);
        slots.assign(slot.states[0], decayed);
        tf.dispose([next, decayed, p, g]);
      } else {
        slots.load(slot, p);
        const [buf] = slot.states;
        const scalars = [tf.scalar(lr), tf.scalar(momentum), tf.scalar(-weightDecay / momentum)];
        // μ·(buf + (wd/μ)·p) + g is μ·buf + (g + wd·p) up to rounding, without a pass that
        // copies the gradient (measured: the decay cost 10 of 20 ms per K = 32 step).
        if (weightDecay > 0) be.executeMultipleOutputs('ResourceApplyGradientDescent', [slots.tFloat, slots.noLocking], [buf, scalars[2], p], 0);
        // Last use of p: with it gone, the update needs no copy of the weights.
        p.dispose();
        be.executeMultipleOutputs('ResourceApplyMomentum', [slots.tFloat, slots.noLocking, slots.noNesterov], [slot.param, buf, scalars[0], g, scalars[1]], 0);
        tf.dispose([...scalars, g]);
      }
      return slots.result(slot);
    },
    dispose: () => slots.dispose(),
  };
}

/**
 * PyTorch's Adam (L2 weight decay added to the gradient, bias-corrected moments).
 * Undefined unless the current backend is tfjs-node's.
 */
export function createInPlaceAdam(beta1: number, beta2: number, eps: number, weightDecay: number): InPlaceOptimizer | undefined {
  const be = nativeBackend();
  if (!be) return undefined;
  const slots = new Slots(be, weightDecay);
  return {
    step(name, p, g, lr) {
      let slot = slots.get(name);
      if (!slot) {
        slot = slots.create(name, p.shape, 2);
        const zeros = tf.zeros(p.shape);
        for (const moment of slot.states) slots.assign(moment, zeros);
        zeros.dispose();
      }
      const decayed = slots.decayedGradient(slot, p, g);
      slot.steps += 1;
      const [beta1Power, beta2Power] = [Math.pow(beta1, slot.steps), Math.pow(beta2, slot.steps)];
      // TensorFlow's step size √(1 − β₂ᵗ)/(1 − β₁ᵗ) uses float32 powers, off by up to 3e-5 relative
      // at t = 1; its second moment is built with the same float32 1 − β₂, so the two cancel.
      const scalars = [beta1Power, beta2Power, lr, beta1, beta2, eps * Math.sqrt(1 - beta2Power)].map((v) => tf.scalar(v));
      const [m, v] = slot.states;
      be.executeMultipleOutputs('ResourceApplyAdam', [slots.tFloat, slots.noLocking, slots.noNesterov], [slot.param, m, v, ...scalars, decayed], 0);
      tf.dispose([...scalars, decayed]);
      return slots.result(slot);
    },
    dispose: () => slots.dispose(),
  };
}
