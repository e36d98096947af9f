/**
 * The host ↔ webview messages, one union per panel and direction. zod schemas are the single
 * source of truth: the host validates what a webview posts, the webview validates what the host
 * posts, and the TypeScript types are inferred from the same schemas.
 */
export * from './common';
export * from './forget-set';
export * from './run';
export * from './compare';
export * from './per-point';
export * from './linear';
