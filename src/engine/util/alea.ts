/**
 * tf.randomUniform(shape, min, max, 'float32', seed), bit for bit, written into a caller's buffer.
 * TF.js draws from Johannes Baagøe's Alea generator (through seedrandom), seeded with the seed's
 * decimal string, and stores min + (max − min)·u, a float64, into a Float32Array. Doing exactly
 * that in one tight loop is 3-4x faster per value, and lets K models' draws land in one stacked
 * buffer; stored models' keys rely on the bits staying the same (test/unit/init.test.ts).
 */

const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/**
 * Baagøe's Mash hash: turns a string into a double in [0, 1). Its state `n` carries over from one
 * call to the next, which is why Alea's three seeds differ although they hash the same text.
 */
function createMash(): (data: string) => number {
  let n = 0xefc8249d;
  return (data) => {
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000;
    }
    return (n >>> 0) * TWO_POW_MINUS_32;
  };
}

/** Alea's starting state for a seed: three fractions in [0, 1), each the Mash of ' ' minus that of the seed. */
function aleaState(seed: string): [number, number, number] {
  const mash = createMash();
  const state: [number, number, number] = [mash(' '), mash(' '), mash(' ')];
  for (let j = 0; j < 3; j++) {
    state[j] -= mash(seed);
    if (state[j] < 0) state[j] += 1;
  }
  return state;
}

/** Fills `out` with the values tf.randomUniform(out.length, min, max, 'float32', seed) holds. */
export function fillUniform(out: Float32Array, min: number, max: number, seed: number | string): void {
  const [s0, s1, s2] = aleaState(String(seed));
  draw(out, min, max - min, s0, s1, s2);
}

function draw(out: Float32Array, min: number, range: number, state0: number, state1: number, state2: number): void {
  // The unary plus types them as numbers: rotated through the loop untyped, V8 boxed a new
  // double on every draw and the loop ran into a young-generation GC every few milliseconds.
  let s0 = +state0;
  let s1 = +state1;
  let s2 = +state2;
  let c = 1;
  for (let i = 0; i < out.length; i++) {
    // Multiply-with-carry on three lagged fractions: the integer part of t is the next carry.
    // t is never negative, so Math.floor is Alea's `t | 0`, and V8 runs it about twice as fast.
    const t = 2091639 * s0 + c * TWO_POW_MINUS_32;
    s0 = s1;
    s1 = s2;
    c = Math.floor(t);
    s2 = t - c;
    out[i] = min + range * s2;
  }
}
