/**
 * A small seeded generator private to the linear study (sfc32 state, splitmix32 seeding).
 * The study draws each quantity (inputs, weights, noise, test points, forget set) from its own
 * stream, so changing one setting — say the number of test points — leaves the others' draws alone.
 */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal. */
  gaussian(): number;
  /** Integer in [0, bound). */
  int(bound: number): number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** `stream` separates independent draws made from one user seed. */
export function createRng(seed: number, stream: number): Rng {
  // Fold the full (possibly > 32-bit) seed and the stream id into the seeding sequence.
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const init = splitmix32((seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2d) ^ Math.imul(hi, 0x165667b1));
  let a = init();
  let b = init();
  let c = init();
  let d = 1;
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // The first outputs of a freshly seeded sfc32 are weakly mixed; discard them.
  for (let i = 0; i < 12; i++) next();

  let spare: number | null = null;
  const uniform = (): number => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
  return {
    uniform,
    gaussian(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      // 1 - u lies in (0, 1], so the logarithm stays finite.
      const r = Math.sqrt(-2 * Math.log(1 - uniform()));
      const phi = 2 * Math.PI * uniform();
      spare = r * Math.sin(phi);
      return r * Math.cos(phi);
    },
    int(bound: number): number {
      return Math.floor(uniform() * bound);
    },
  };
}
