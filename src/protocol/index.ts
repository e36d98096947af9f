/** What crosses the host ↔ engine seam; imported by both sides, never importing either. */
export * from './engine';
export * from './schemas';
export * from './binary';
