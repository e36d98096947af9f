/** `unlearn forget-set create|show`: make forget sets as JSON files, and inspect them. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../store/atomic';
import { UnlearnError } from '../../errors';
import { forgetSetProblems, forgetSetToJson, makeForgetSet, readForgetSetFile } from '../../forget/forget-set';
import { draftForgetSet, type ForgetGenerator } from '../../forget/draft';
import { loadDataset } from '../../data/registry';
import { PRESETS, PRESET_NAMES, type PresetName } from '../../presets';
import { output, parseIntOption } from '../context';
import { formatTable } from '../table';

interface CreateOptions {
  name?: string;
  out?: string;
  preset?: string;
  dataset?: string;
  trainSize?: number;
  valSize?: number;
  random?: number;
  class?: number;
  nearest?: number;
  pc?: number;
  matrix?: string;
  k?: number;
  side: 'top' | 'bottom' | 'both';
  seed: number;
}

/** Which dataset a forget set is for: the preset's cut of it unless sizes are given. */
async function datasetFor(o: { preset?: string; dataset?: string; trainSize?: number; valSize?: number }) {
  const p = o.preset ? PRESETS[o.preset as PresetName] : undefined;
  if (o.preset && !p) throw new UnlearnError('bad-config', `unknown preset "${o.preset}": use ${PRESET_NAMES.join(', ')}`);
  return loadDataset(o.dataset ?? p?.dataset.spec, { trainSize: o.trainSize ?? p?.dataset.trainSize, valSize: o.valSize ?? p?.dataset.valSize });
}

/** The one generator the flags name, for the engine's shared draftForgetSet. */
function generatorFrom(o: CreateOptions): ForgetGenerator {
  const chosen = [o.random, o.class, o.nearest, o.pc].filter((v) => v !== undefined).length;
  if (chosen !== 1) throw new UnlearnError('bad-config', 'give exactly one of --random K, --class C, --nearest INDEX, --pc COMPONENT');
  const k = o.k ?? 100;
  if (o.random !== undefined) return { kind: 'random', k: o.random, seed: o.seed };
  if (o.class !== undefined) return { kind: 'class', class: o.class };
  if (o.nearest !== undefined) return { kind: 'nearest-neighbours', anchor: o.nearest, k };
  if (!o.matrix) throw new UnlearnError('bad-config', '--pc needs --matrix FILE.npy: one row per training point, e.g. datamodel weights (a datamodels artifact\'s beta.npy)');
  return { kind: 'principal-component', matrix: resolve(o.matrix), component: o.pc ?? 0, k, side: o.side, seed: o.seed };
}

export function register(program: Command): void {
  const fs = program.command('forget-set').description('Create and inspect forget sets (JSON files naming training points to unlearn).');
  fs.command('create')
    .description('Create a forget set: random k, a whole class, nearest neighbours of a point, or the extremes of a principal component.')
    .option('--name <name>', 'name of the set (default from how it was made)')
    .option('-o, --out <file>', 'where to write it (default forget-sets/<name>.forget.json)')
    .option('--preset <name>', 'take the dataset cut of a preset (quick uses the first 1,000 training points)', 'quick')
    .option('-d, --dataset <spec>', 'dataset: a path, "fashion-mnist", or "embedded"')
    .option('--train-size <n>', 'use the first n training points', parseIntOption('train-size'))
    .option('--val-size <n>', 'use the first n validation points', parseIntOption('val-size'))
    .option('--random <k>', 'k training points drawn at random (seeded)', parseIntOption('random'))
    .option('--class <c>', 'every training point of class c', parseIntOption('class'))
    .option('--nearest <index>', 'the k nearest neighbours (pixel space) of training point <index>, itself included', parseIntOption('nearest'))
    .option('--pc <component>', 'the extremes of principal component <component> (0 = first) of --matrix', parseIntOption('pc'))
    .option('--matrix <file.npy>', '[training points × features] matrix for --pc')
    .option('-k, --k <k>', 'size for --nearest and --pc (per side)', parseIntOption('k'))
    .option('--side <side>', 'top | bottom | both, for --pc', 'top')
    .option('-s, --seed <n>', 'seed for --random and --pc', parseIntOption('seed'), 0)
    .addHelpText('after', '\nExamples:\n  $ unlearn forget-set create --random 100 --seed 0\n  $ unlearn forget-set create --class 3 --name dresses\n  $ unlearn forget-set create --nearest 42 -k 50\n  $ unlearn forget-set create --pc 0 --matrix beta.npy -k 50 --side both')
    .action(async (o: CreateOptions, cmd: Command) => {
      const ds = await datasetFor(o);
      const draft = await draftForgetSet(generatorFrom(o), ds);
      const name = o.name ?? `${draft.kind}-${draft.indices.length}${draft.seed !== undefined ? `-seed${draft.seed}` : ''}`;
      if (!/^[\w.-]+$/.test(name)) throw new UnlearnError('bad-config', `forget-set name "${name}" may only hold letters, digits, '.', '_' and '-'`);
      const set = makeForgetSet({ name, datasetId: ds.id, kind: draft.kind, indices: draft.indices, params: draft.params, seed: draft.seed });
      const problems = forgetSetProblems(set, { datasetId: ds.id, nTrain: ds.train.n });
      if (problems.length) throw new UnlearnError('bad-forget-set', problems.join('; '));
      const file = o.out ?? `forget-sets/${name}.forget.json`;
      writeFileAtomic(file, forgetSetToJson(set));
      output(cmd, { file, ...set }, () => `wrote ${file}: ${set.indices.length} of ${ds.train.n} training points of ${ds.name} (${set.kind}${set.seed !== undefined ? `, seed ${set.seed}` : ''})\n`);
    });
  fs.command('show')
    .description('Describe a forget set and check it against its dataset.')
    .argument('<file>', 'forget-set JSON file')
    .option('--preset <name>', 'dataset cut to check against', 'quick')
    .option('-d, --dataset <spec>', 'dataset to check against')
    .option('--train-size <n>', 'use the first n training points', parseIntOption('train-size'))
    .option('--val-size <n>', 'use the first n validation points', parseIntOption('val-size'))
    .action(async (file: string, o: CreateOptions, cmd: Command) => {
      const set = await readForgetSetFile(file);
      const ds = await datasetFor(o);
      const problems = forgetSetProblems(set, { datasetId: ds.id, nTrain: ds.train.n });
      const perClass = ds.classNames.map(() => 0);
      if (problems.length === 0) for (const i of set.indices) perClass[ds.train.y[i]]++;
      output(cmd, { ...set, problems, perClass }, () => {
        let t = `${set.name}: ${set.indices.length} points, ${set.kind} ${JSON.stringify(set.params)}${set.seed !== undefined ? `, seed ${set.seed}` : ''}\n`;
        t += `dataset ${set.datasetId}, created ${set.createdAt}\n`;
        if (problems.length) return t + `NOT USABLE with ${ds.id}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`;
        return t + '\n' + formatTable(['class', 'points'], ds.classNames.map((c, i) => [c, perClass[i]]).filter((r) => (r[1] as number) > 0));
      });
      if (problems.length) process.exitCode = 65;
    });
}
