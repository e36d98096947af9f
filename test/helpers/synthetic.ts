/** Small seeded synthetic classification data for tests that need no real dataset. */
export function syntheticData(n: number, d: number, C: number, seed = 1): { x: Float32Array; y: Int32Array } {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const centres = Array.from({ length: C }, () => Array.from({ length: d }, () => rand() * 2 - 1));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % C;
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[c][j] + (rand() - 0.5) * 1.5;
  }
  return { x, y };
}
