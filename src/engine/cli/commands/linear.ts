/**
 * `unlearn linear`: the linear-model study (SPEC §7). Prints a compact table (or the result JSON
 * with --json) and writes result.json and curves.csv — plus plot.svg with --plot svg — to --out,
 * by default <store>/linear/<hash of the settings>/.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UnlearnError } from '../../errors';
import { log } from '../../log';
import { type LinearSettingsInput, linearSettingsHash, parseLinearSettings, runLinearStudy } from '../../linear';
import { formatCsv, formatSparklines, formatSvg, formatTable } from '../../linear/format';
import { writeFileAtomic } from '../../store/atomic';
import { writeOut } from '../context';

interface LinearCliOptions {
  n?: string;
  d?: string;
  k?: string;
  nTest?: string;
  lambda?: string;
  noise?: string;
  lr?: string;
  steps?: string;
  ascentWeight?: string;
  seed?: string;
  recordPerDecade?: string;
  divergeFactor?: string;
  datamodel?: string;
  solver?: string;
  out?: string;
  plot?: string;
  json?: boolean;
  store?: string;
}

/** A number as typed; zod then says what range it must be in. */
function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v.trim());
  if (v.trim() === '' || Number.isNaN(x)) throw new UnlearnError('bad-config', `--${flag}: '${v}' is not a number`);
  return x;
}

export function settingsFromOptions(o: LinearCliOptions): LinearSettingsInput {
  const s: Record<string, unknown> = {
    n: num('n', o.n),
    d: num('d', o.d),
    k: num('k', o.k),
    nTest: num('n-test', o.nTest),
    lambda: num('lambda', o.lambda),
    noise: num('noise', o.noise),
    lr: num('lr', o.lr),
    steps: num('steps', o.steps),
    ascentWeights: o.ascentWeight === undefined ? undefined : o.ascentWeight.split(',').map((a) => num('ascent-weight', a)),
    seed: num('seed', o.seed),
    recordPerDecade: num('record-per-decade', o.recordPerDecade),
    divergeFactor: num('diverge-factor', o.divergeFactor),
    datamodel: o.datamodel,
    solver: o.solver,
  };
  for (const key of Object.keys(s)) if (s[key] === undefined) delete s[key];
  return s as LinearSettingsInput;
}

export function register(program: Command): void {
  program
    .command('linear')
    .description('Linear-model study (SPEC §7): OM reaches the retrained optimum, gradient heuristics do not')
    .option('--n <int>', 'training points', '100')
    .option('--d <int>', 'input dimension', '400')
    .option('--k <int>', 'forget-set size (random points)', '5')
    .option('--n-test <int>', 'fresh test points', '1000')
    .option('--lambda <x>', 'ℓ2 weight λ of the least-squares objective', '0.001')
    .option('--noise <x>', 'label noise standard deviation', '0.1')
    .option('--lr <x>', 'step size for every method (default 1/λ_max(XᵀX))')
    .option('--steps <int>', 'iterations per method', '10000')
    .option('--ascent-weight <a[,b…]>', 'GA weight(s) on F for GD+GA; one run per weight', '1,0.1')
    .option('--seed <int>', 'seed of data, forget set and test points', '0')
    .option('--record-per-decade <int>', 'recorded iterations per decade', '20')
    .option('--diverge-factor <x>', 'mark diverged once ‖θ_t − θ_r‖ exceeds this multiple of ‖θ − θ_r‖', '1e6')
    .option('--datamodel <kind>', 'DM-Direct/DMM datamodel: additive | exact | none', 'additive')
    .option('--solver <kind>', 'auto | dual (n × n) | primal (d × d)', 'auto')
    .option('--out <dir>', 'output folder (default <store>/linear/<settings hash>/)')
    .option('--plot <kind>', 'also draw the curves: svg (writes plot.svg) | text (sparklines on stdout)')
    .action((_opts: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<LinearCliOptions>();
      if (o.plot !== undefined && o.plot !== 'svg' && o.plot !== 'text') {
        throw new UnlearnError('bad-config', `--plot: '${o.plot}' is not one of svg, text`);
      }
      const settings = parseLinearSettings(settingsFromOptions(o));
      const dir = resolve(o.out ?? join(o.store ?? '.unlearn', 'linear', linearSettingsHash(settings)));
      const result = runLinearStudy(settings, {
        onProgress: (id, step, steps) => log.debug(`linear: ${id} ${step}/${steps}`),
      });
      log.info(`linear study done in ${result.timings.totalMs.toFixed(0)} ms (setup ${result.timings.setupMs.toFixed(0)} ms)`);
      try {
        mkdirSync(dir, { recursive: true });
        writeFileAtomic(join(dir, 'result.json'), JSON.stringify(result, null, 1) + '\n');
        writeFileAtomic(join(dir, 'curves.csv'), formatCsv(result));
        if (o.plot === 'svg') writeFileAtomic(join(dir, 'plot.svg'), formatSvg(result));
      } catch (e) {
        throw new UnlearnError('io', `cannot write the study to ${dir}: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (o.json) {
        writeOut(JSON.stringify(result) + '\n');
      } else {
        writeOut(formatTable(result));
        if (o.plot === 'text') writeOut('\n' + formatSparklines(result));
        writeOut(`\nwrote ${join(dir, 'result.json')}, curves.csv${o.plot === 'svg' ? ', plot.svg' : ''}\n`);
      }
      log.info(`linear study written to ${dir}`);
    });
}
