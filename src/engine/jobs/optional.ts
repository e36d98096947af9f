/**
 * Jobs whose engine modules are still being written (datamodels in src/engine/attribution,
 * unlearners in src/engine/unlearn, comparisons in src/engine/recipes/compare.ts). Their RPC
 * methods exist in the protocol already, so the host can be built against them; until a runner
 * is registered here, a call is refused with `not-available` instead of an unknown-method error.
 *
 * TODO(wiring): when a module lands, register its runner below, e.g.
 *   runners.compare = async (p, store, ctx) => { const { compare } = await import('../recipes/compare'); … };
 * mapping params → the module's request, `ctx.signal`/`ctx.progress` → its options, and its result
 * → the protocol's result schema (tighten that schema in src/protocol/schemas.ts at the same time).
 */
import type { Store } from '../store/store';
import type { ParsedJobParams } from '../../protocol';
import type { JobContext } from './queue';

export type OptionalJobName = 'estimateDatamodels' | 'runUnlearners' | 'compare';
export type OptionalJobRunner<N extends OptionalJobName> = (params: ParsedJobParams<N>, store: Store, ctx: JobContext) => Promise<unknown>;

const runners: { [N in OptionalJobName]?: OptionalJobRunner<N> } = {};

export function optionalJobRunner<N extends OptionalJobName>(name: N): OptionalJobRunner<N> | undefined {
  return runners[name] as OptionalJobRunner<N> | undefined;
}

/** Job methods whose module is present, for engineInfo's capabilities. */
export function availableOptionalJobs(): OptionalJobName[] {
  return (Object.keys(runners) as OptionalJobName[]).filter((n) => runners[n] !== undefined);
}
