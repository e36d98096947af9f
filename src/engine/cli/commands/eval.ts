/**
 * `unlearn eval`: per-point KLoM on every training and validation point, summarised per split.
 * `--method none` scores the originals themselves ("do nothing") beside the oracle noise floor.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { UnlearnError } from '../../errors';
import type { KlomReport } from '../../eval/export';
import { evaluateReferences } from '../../recipes/references';
import { backendFor, output, storeFor } from '../context';
import { forgetSetFor } from '../forget-option';
import { interruptSignal, trainingProgress, type ProgressReporter } from '../progress';
import { addRecipeOptions, describeRecipe, resolveRecipe, type RecipeOptions } from '../recipe-options';
import { formatTable } from '../table';

interface EvalOptions extends RecipeOptions {
  method: string;
  forgetSet?: string;
  binning: 'reference' | 'closed';
  direction: 'unlearned-oracle' | 'oracle-unlearned';
}

export function klomTable(report: KlomReport): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
  const rows = report.rows.map((r) => [
    r.label,
    f(r.summary.forget.p95),
    f(r.summary.forget.p99),
    f(r.summary.retain.p95),
    f(r.summary.retain.p99),
    f(r.summary.validation.p95),
    f(r.summary.validation.p99),
    f(r.summary.headline.p99),
    `${r.nUnlearned} vs ${r.nOracle}`,
  ]);
  return formatTable(['method', 'F p95', 'F p99', 'R p95', 'R p99', 'V p95', 'V p99', 'avg p99', 'N (models vs oracles)'], rows);
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('Score unlearning with per-point KLoM against oracles retrained without the forget set.')
    .addOption(new Option('--method <name>', 'what to score: none (the originals as they are)').choices(['none']).default('none'))
    .option('-f, --forget-set <file>', "forget-set JSON (default: the preset's random set, seed 0)")
    .addOption(new Option('--binning <b>', 'reference (as the authors) | closed').choices(['reference', 'closed']).default('reference'))
    .addOption(new Option('--direction <d>', 'KL(unlearned‖oracle) or the reverse').choices(['unlearned-oracle', 'oracle-unlearned']).default('unlearned-oracle'));
  addRecipeOptions(cmd, { defaultPreset: 'quick', ensemble: true })
    .addHelpText('after', '\nExamples:\n  $ unlearn eval                     # quick preset, 100 random forget points, N = 100\n  $ unlearn forget-set create --random 100 --seed 0\n  $ unlearn eval --method none --forget-set forget-sets/random-100-seed0.forget.json\n  $ unlearn eval --method none -f F.forget.json -n 20   # fewer models: a higher noise floor')
    .action(async (o: EvalOptions, c: Command) => {
      if (o.method !== 'none') throw new UnlearnError('bad-config', `unknown method "${o.method}"`);
      const backend = await backendFor(c);
      const recipe = await resolveRecipe(o);
      const forgetSet = await forgetSetFor(o.forgetSet, recipe.dataset, recipe.preset?.forgetSize ?? 100);
      process.stderr.write(`${describeRecipe(recipe)}; forget set ${forgetSet.name} (${forgetSet.indices.length} points); backend ${backend.name}\n`);
      let progress: ProgressReporter | undefined;
      let phase = '';
      const interrupt = interruptSignal();
      let result;
      try {
        result = await evaluateReferences(
          { dataset: recipe.dataset, model: recipe.model, config: recipe.config, n: recipe.n, groupSize: recipe.groupSize, forgetSet, klom: { binning: o.binning, direction: o.direction }, preset: recipe.preset?.name },
          storeFor(c),
          {
            signal: interrupt.signal,
            onProgress: (p) => {
              if (p.phase !== phase) {
                progress?.stop();
                phase = p.phase;
                progress = trainingProgress(`${phase} ${p.modelsDone}/${p.modelsTotal}`);
              }
              progress?.update(p);
            },
          },
        );
      } finally {
        progress?.stop();
        interrupt.dispose();
      }
      const r = result;
      output(cmd, { dir: r.dir, backend: r.backend, seconds: r.seconds, report: r.report }, () => {
        const e = r.ensembles;
        const acc = (xs: number[]) => `${((100 * xs.reduce((a, b) => a + b, 0)) / xs.length).toFixed(1)}%`;
        return (
          `\nKLoM per split (p95 / p99 of per-point KLoM; lower is better), forget set ${forgetSet.name} (|F| = ${forgetSet.indices.length})\n` +
          `N = ${recipe.n} models per ensemble; backend ${r.backend}; originals seeds ${e.originals.manifest.seeds[0]}..${e.originals.manifest.seeds.at(-1)}, ` +
          `oracles ${e.oracles.manifest.seeds[0]}..${e.oracles.manifest.seeds.at(-1)}, noise-floor oracles ${e['oracles-floor'].manifest.seeds[0]}..${e['oracles-floor'].manifest.seeds.at(-1)}\n` +
          `originals: train acc ${acc(e.originals.manifest.trainAccuracy)}, val acc ${acc(e.originals.manifest.valAccuracy)}\n\n` +
          klomTable(r.report) +
          (recipe.n < 80 ? `\nwarning: N = ${recipe.n} < 80: margin distributions are not stable yet and the noise floor is high (SPEC §2)\n` : '') +
          `\nper-point KLoM, summary.json and summary.csv in ${r.dir}\n`
        );
      });
    });
}
