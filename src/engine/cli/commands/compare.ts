/**
 * `unlearn compare`: every unlearner at several budgets, scored per point with KLoM, beside
 * "do nothing" and the oracle noise floor; the cost-vs-KLoM table of the seed's Figure 2.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { ESTIMATORS, type Estimator } from '../../attribution/estimators';
import { PROJECTIONS, type ProjectionKind } from '../../attribution/trak-projection';
import { UnlearnError } from '../../errors';
import { compareUnlearners, DEFAULT_COMPARE_METHODS, type CompareResult, type DatamodelInfo } from '../../recipes/compare';
import { loadPlugins, splitMethods, withBudgets } from '../../unlearn/plugin-loader';
import { METHOD_IDS, UNLEARN_PRESET_NAMES, type MethodId, type UnlearnPresetName } from '../../unlearn/settings';
import { backendFor, output, parseIntOption, parseNumberOption, storeFor } from '../context';
import { forgetSetFor } from '../forget-option';
import { interruptSignal, trainingProgress, type ProgressReporter } from '../progress';
import { addRecipeOptions, describeRecipe, resolveRecipe, type RecipeOptions } from '../recipe-options';
import { formatTable } from '../table';

interface CompareOptions extends RecipeOptions {
  forgetSet?: string;
  methods: string;
  plugin: string[];
  unlearnPreset: UnlearnPresetName;
  budget: string[];
  dmM?: number;
  dmHeldOut?: number;
  dmAlpha?: number;
  dmEstimator: Estimator;
  dmLambda?: string;
  trakModels?: number;
  trakK?: number;
  trakLambda?: number;
  trakHeldOut?: number;
  trakProjection: ProjectionKind;
  trakSeed?: number;
}

/** `--budget METHOD=E1,E2`: built-in methods' and plug-ins' (by id) budgets in epochs. */
function parseBudgets(specs: string[], pluginIds: readonly string[]): Partial<Record<string, number[]>> {
  const out: Partial<Record<string, number[]>> = {};
  for (const spec of specs) {
    const m = /^([a-z][a-z0-9-]*)=([\d,\s]+)$/.exec(spec.trim());
    if (!m || !([...METHOD_IDS, ...pluginIds] as readonly string[]).includes(m[1])) throw new UnlearnError('bad-config', `--budget ${spec}: expected METHOD=E1,E2,... (epochs), e.g. om=5,10,20`);
    const epochs = m[2].split(',').map((s) => Number(s.trim()));
    if (epochs.some((e) => !Number.isInteger(e) || e < 1)) throw new UnlearnError('bad-config', `--budget ${spec}: epochs must be positive integers`);
    out[m[1]] = [...new Set(epochs)].sort((a, b) => a - b);
  }
  return out;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(100 * x)}` : '—');

export function compareTable(r: CompareResult): string {
  const rows = r.rows.map((x) => {
    const notes: string[] = [];
    if (x.presupposedRetrainings !== undefined) notes.push(`+ ${x.presupposedRetrainings} oracle retraining${x.presupposedRetrainings === 1 ? '' : 's'} per model`);
    if (x.datamodel) notes.push(`LDS ${f3(x.datamodel.lds)} (F ${f3(x.datamodel.ldsForget)}), slope ${f3(x.datamodel.slope)}, ${x.datamodel.estimator === 'trak' ? `TRAK T ${x.datamodel.m}` : `M ${x.datamodel.m}`}`);
    if (x.diverged) notes.push(`diverged: ${x.divergedModels.length}/${x.nUnlearned} models (first at epoch ${Math.min(...x.divergedModels.map((d) => d.epoch ?? Infinity)) + 1})`);
    const s = x.summary;
    return [
      x.label,
      String(x.epochs),
      String(x.steps),
      x.cost.fraction.toFixed(3),
      f3(s.forget.p95),
      f3(s.forget.p99),
      f3(s.retain.p95),
      f3(s.retain.p99),
      f3(s.validation.p95),
      f3(s.validation.p99),
      f3(s.headline.p95),
      f3(s.headline.p99),
      `${pct(x.accuracy.forget)}/${pct(x.accuracy.retain)}/${pct(x.accuracy.validation)}`,
      x.diverged ? 'yes' : 'no',
      notes.join('; '),
    ];
  });
  return formatTable(['method', 'epochs', 'steps', 'cost', 'F p95', 'F p99', 'R p95', 'R p99', 'V p95', 'V p99', 'avg p95', 'avg p99', 'acc% F/R/V', 'diverged', 'notes'], rows);
}

/** One datamodel's quality line; regression and TRAK lines are measured on the same held-out models when both ran. */
export function datamodelLine(dm: DatamodelInfo): string {
  const what =
    dm.estimator === 'trak'
      ? `  TRAK, T = ${dm.m} originals, k = ${dm.k ?? '?'}, λ ${dm.lambda}, scale ${dm.scale?.toPrecision(3) ?? '?'}`
      : `  ${dm.estimator}${dm.lambda !== null ? ` λ ${dm.lambda}` : ''}, M = ${dm.m} (${dm.mFit} fitted)`;
  const split = dm.ldsTrain !== undefined ? `, train ${f3(dm.ldsTrain)}, val ${f3(dm.ldsVal ?? NaN)}` : '';
  const held = dm.heldOut !== undefined ? ` on ${dm.heldOut} held-out models` : '';
  return `${what}: LDS ${f3(dm.lds)} (forget set ${f3(dm.ldsForget)}${split})${held}, calibration slope ${f3(dm.slope)}; cost ${dm.precomputeCost.toFixed(1)} retrainings, ${dm.precomputeSeconds.toFixed(1)} s\n`;
}

export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description('Compare unlearners at several budgets: cost (fraction of retraining) vs per-point KLoM, beside "do nothing" and the oracle noise floor.')
    .option('-f, --forget-set <file>', 'forget-set JSON (default: the preset\'s random set, seed 0)')
    .option('--methods <list>', `comma-separated: ${METHOD_IDS.join(', ')}, or a plug-in's id`, DEFAULT_COMPARE_METHODS.join(','))
    .option('--plugin <file>', 'a plug-in unlearner module (.mjs; docs/unlearning.md "Write your own unlearner"); name its id in --methods (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(new Option('--unlearn-preset <name>', 'method hyper-parameters: workbench (SPEC §4a) or paper (the authors\')').choices(UNLEARN_PRESET_NAMES as unknown as string[]).default('workbench'))
    .option('--budget <method=epochs>', 'budgets in epochs for one method, e.g. om=5,10,20 (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--dm-m <M>', 'datamodels: subset models in all (default: n_train)', parseIntOption('dm-m'))
    .option('--dm-held-out <h>', 'datamodels: subset models held out for LDS (default max(10, M/10))', parseIntOption('dm-held-out'))
    .option('--dm-alpha <a>', 'datamodels: subset fraction α (0.5)', parseNumberOption('dm-alpha'))
    .addOption(new Option('--dm-estimator <e>', 'datamodel estimator').choices(ESTIMATORS as unknown as string[]).default('ridge'))
    .option('--dm-lambda <λ>', 'ridge: λ relative to the kernel diagonal; lasso: λ relative to the noise level (docs/datamodels.md); or auto (best held-out LDS)')
    .option('--trak-models <T>', 'TRAK (dm-direct-trak, dmm-trak): originals averaged over (5)', parseIntOption('trak-models'))
    .option('--trak-k <k>', 'TRAK: projection dimension (2048)', parseIntOption('trak-k'))
    .option('--trak-lambda <λ>', 'TRAK: λ relative to the mean squared feature norm (1)', parseNumberOption('trak-lambda'))
    .option('--trak-held-out <h>', 'TRAK: held-out subset models for its scale and LDS when no regression datamodels run (20)', parseIntOption('trak-held-out'))
    .addOption(new Option('--trak-projection <p>', 'TRAK: random projection').choices(PROJECTIONS as unknown as string[]).default('rademacher'))
    .option('--trak-seed <s>', 'TRAK: projection seed (0)', parseIntOption('trak-seed'));
  addRecipeOptions(cmd, { defaultPreset: 'quick', ensemble: true })
    .addHelpText('after', '\nExamples:\n  $ unlearn compare -f forget-sets/random-100-seed0.forget.json -n 50\n  $ unlearn compare --methods gd,om,dmm --budget om=5,10,20,40 -n 20\n  $ unlearn compare --unlearn-preset paper --methods om,dmm\n  $ unlearn compare --plugin examples/unlearners/random-labels.mjs --methods gd,random-labels --budget random-labels=2,5')
    .action(async (o: CompareOptions, c: Command) => {
      // Methods and plug-ins first: a typo is refused before any data is read.
      const loaded = await loadPlugins(o.plugin);
      const ids = o.methods.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (ids.length === 0) throw new UnlearnError('bad-config', '--methods is empty');
      const { builtins: methods, plugins } = splitMethods(ids, loaded);
      const budgets = parseBudgets(o.budget, plugins.map((p) => p.id));
      const backend = await backendFor(c);
      const recipe = await resolveRecipe(o);
      const forgetSet = await forgetSetFor(o.forgetSet, recipe.dataset, recipe.preset?.forgetSize ?? 100);
      const lambda = o.dmLambda === undefined || o.dmLambda === 'auto' ? undefined : Number(o.dmLambda);
      if (lambda !== undefined && !(lambda > 0)) throw new UnlearnError('bad-config', `--dm-lambda must be a positive number or auto, got ${o.dmLambda}`);
      process.stderr.write(`${describeRecipe(recipe)}; forget set ${forgetSet.name} (${forgetSet.indices.length} points); backend ${backend.name}\n`);
      let progress: ProgressReporter | undefined;
      let phase = '';
      const interrupt = interruptSignal();
      let result: CompareResult;
      try {
        result = await compareUnlearners(
          {
            dataset: recipe.dataset,
            model: recipe.model,
            config: recipe.config,
            n: recipe.n,
            groupSize: recipe.groupSize,
            forgetSet,
            methods,
            plugins: plugins.map((p) => withBudgets(p, budgets[p.id])),
            unlearnPreset: o.unlearnPreset,
            budgets: budgets as Partial<Record<MethodId, number[]>>,
            datamodels: { ...(o.dmM !== undefined && { m: o.dmM }), heldOut: o.dmHeldOut, alpha: o.dmAlpha, estimator: o.dmEstimator, lambda },
            trak: { models: o.trakModels, k: o.trakK, lambda: o.trakLambda, heldOut: o.trakHeldOut, projection: o.trakProjection, projectionSeed: o.trakSeed },
            preset: recipe.preset?.name,
          },
          storeFor(c),
          {
            signal: interrupt.signal,
            onProgress: (p) => {
              const label = `${p.phase} ${p.modelsDone}/${p.modelsTotal}`;
              if (label !== phase) {
                progress?.stop();
                phase = label;
                progress = trainingProgress(label);
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
      output(cmd, r, () => {
        const dm = r.datamodels;
        const secs = Object.entries(r.seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
        return (
          `\nUnlearners vs KLoM (p95 / p99 of per-point KLoM; lower is better), forget set ${r.forgetSet} (|F| = ${r.forgetSize}); unlearning preset ${r.unlearnPreset}\n` +
          `N = ${r.n} models per ensemble; backend ${r.backend}; originals seeds ${r.seeds.originals}, oracles ${r.seeds.oracles}, noise-floor oracles ${r.seeds.floor}\n` +
          `originals: train acc ${(100 * r.originalsAccuracy.train).toFixed(1)}%, val acc ${(100 * r.originalsAccuracy.val).toFixed(1)}%\n` +
          `cost = examples processed (forward+backward 1, forward-only 1/3) per model / (|R| × ${recipe.config.epochs} epochs); budgets in epochs and optimiser steps\n` +
          (dm || r.trak ? 'datamodels (precomputation, once per recipe, not in the per-request cost):\n' : '') +
          (dm ? datamodelLine(dm) : '') +
          (r.trak ? datamodelLine(r.trak) : '') +
          `\n` +
          compareTable(r) +
          (r.n < 80 ? `\nwarning: N = ${r.n} < 80: margin distributions are not stable yet and the noise floor is high (SPEC §2)\n` : '') +
          `\nwall time: ${secs}${r.cached ? ' (cached result)' : ''}\n` +
          `per-point KLoM (klom/*.npy), summary.json, summary.csv and figure2.csv (cost vs avg p99) in ${r.dir}\n`
        );
      });
    });
}
