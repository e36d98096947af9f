/**
 * Jobs whose engine modules may be absent from a build: datamodels (src/engine/attribution),
 * unlearners (src/engine/unlearn) and comparisons (src/engine/recipes/compare.ts). Each method
 * is available when a runner is registered here; engineInfo's capabilities list is built from
 * `availableOptionalJobs()`, and a method without a runner is refused with `not-available`
 * instead of an unknown-method error.
 *
 * The runners live in ./unlearners.ts, loaded on first use: it pulls in TensorFlow.js, which
 * requests that need no training never load.
 */
import type { Store } from '../store/store';
import type { ParsedJobParams } from '../../protocol';
import type { JobContext } from './queue';

export type OptionalJobName = 'estimateDatamodels' | 'runUnlearners' | 'compare';
export type OptionalJobRunner<N extends OptionalJobName> = (params: ParsedJobParams<N>, store: Store, ctx: JobContext) => Promise<unknown>;

type UnlearnersModule = typeof import('./unlearners.js');
let unlearners: Promise<UnlearnersModule> | undefined;
const load = (): Promise<UnlearnersModule> => (unlearners ??= import('./unlearners.js'));

const runners: { [N in OptionalJobName]?: OptionalJobRunner<N> } = {
  estimateDatamodels: async (p, store, ctx) => (await load()).estimateDatamodelsJob(p, store, ctx),
  runUnlearners: async (p, store, ctx) => (await load()).runUnlearnersJob(p, store, ctx),
  compare: async (p, store, ctx) => (await load()).compareJob(p, store, ctx),
};

export function optionalJobRunner<N extends OptionalJobName>(name: N): OptionalJobRunner<N> | undefined {
  return runners[name] as OptionalJobRunner<N> | undefined;
}

/** Job methods whose module is present, for engineInfo's capabilities. */
export function availableOptionalJobs(): OptionalJobName[] {
  return (Object.keys(runners) as OptionalJobName[]).filter((n) => runners[n] !== undefined);
}
