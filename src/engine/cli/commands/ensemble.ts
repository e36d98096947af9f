/** `unlearn ensemble`: train (or resume) the originals, the oracles, or the noise-floor oracles. */
import type { Command } from 'commander';
import { UnlearnError } from '../../errors';
import { ENSEMBLE_ROLES, trainEnsembleArtifact, type EnsembleResult, type EnsembleRole } from '../../recipes/ensemble';
import { backendFor, output, storeFor } from '../context';
import { forgetSetFor } from '../forget-option';
import { interruptSignal, trainingProgress } from '../progress';
import { addRecipeOptions, describeRecipe, resolveRecipe, type RecipeOptions } from '../recipe-options';
import { formatTable, percent } from '../table';

interface EnsembleOptions extends RecipeOptions {
  role: string;
  forgetSet?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('ensemble')
    .description('Train N models of a recipe, each with its own seed, as batched ensembles; resumes from the groups already stored.')
    .option('-r, --role <role>', `${ENSEMBLE_ROLES.join(' | ')} | all`, 'originals')
    .option('-f, --forget-set <file>', 'forget-set JSON (oracles train on the retain set)');
  addRecipeOptions(cmd, { defaultPreset: 'quick', ensemble: true })
    .addHelpText('after', '\nExamples:\n  $ unlearn ensemble --role originals -n 100\n  $ unlearn ensemble --role oracles --forget-set forget-sets/random-100-seed0.forget.json\n  $ unlearn ensemble --role all --forget-set F.forget.json -n 20 --group-size 10')
    .action(async (o: EnsembleOptions, c: Command) => {
      const roles: EnsembleRole[] = o.role === 'all' ? [...ENSEMBLE_ROLES] : [o.role as EnsembleRole];
      if (!roles.every((r) => (ENSEMBLE_ROLES as readonly string[]).includes(r))) throw new UnlearnError('bad-config', `unknown role "${o.role}": use ${ENSEMBLE_ROLES.join(', ')} or all`);
      await backendFor(c);
      const recipe = await resolveRecipe(o);
      const needsForget = roles.some((r) => r !== 'originals');
      const set = needsForget ? await forgetSetFor(o.forgetSet, recipe.dataset) : undefined;
      const forget = set ? { name: set.name, indices: Int32Array.from(set.indices) } : undefined;
      process.stderr.write(`${describeRecipe(recipe)}\n`);
      const results: EnsembleResult[] = [];
      for (const role of roles) {
        const progress = trainingProgress(`${role} (N=${recipe.n})`);
        const interrupt = interruptSignal();
        try {
          results.push(
            await trainEnsembleArtifact(
              { dataset: recipe.dataset, model: recipe.model, config: recipe.config, role, count: recipe.n, groupSize: recipe.groupSize, forget },
              storeFor(c),
              { signal: interrupt.signal, onProgress: (p) => progress.update(p) },
            ),
          );
        } finally {
          progress.stop();
          interrupt.dispose();
        }
      }
      output(cmd, results.map((r) => ({ ...r.manifest, dir: r.dir, cached: r.cached })), () => {
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const rows = results.map((r) => [
          r.manifest.role,
          r.manifest.seeds.length,
          `${r.manifest.seeds[0]}..${r.manifest.seeds.at(-1)}`,
          percent(mean(r.manifest.trainAccuracy)),
          percent(mean(r.manifest.valAccuracy)),
          r.manifest.divergedAtEpoch.filter((d) => d !== null).length,
          r.cached ? 'stored' : `${r.manifest.seconds.toFixed(1)} s`,
          r.manifest.backend,
        ]);
        return formatTable(['role', 'N', 'seeds', 'train acc', 'val acc', 'diverged', 'time', 'backend'], rows) + results.map((r) => `${r.manifest.role}: ${r.dir}/margins.npy\n`).join('');
      });
    });
}
