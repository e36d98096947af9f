/**
 * Derives independent 32-bit seeds from a parent seed and a label, so that each model, tensor
 * and epoch draws from its own stream and nothing depends on how models are grouped.
 */
export function deriveSeed(parent: number, ...labels: Array<number | string>): number {
  let h = (parent >>> 0) ^ 0x9e3779b9;
  for (const label of labels) {
    const s = typeof label === 'number' ? String(label >>> 0) : label;
    for (let i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b);
      h ^= h >>> 13;
    }
    h = Math.imul(h ^ 0x2f, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}
