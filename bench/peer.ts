/**
 * Peer benchmark (issue #10 item 1, issue #4's phase timings): the fixed workload run in one
 * invocation by this product's engine (the recipes `unlearn compare` runs, in a fresh temporary
 * store) and by plain PyTorch scripts (bench/peer/*.py) in two forms: (a) one model at a time,
 * (b) weights stacked on a model axis. Prints per phase wall time, model·examples/s, peak RSS
 * and ours/PyTorch ratios; training throughput of N small CNNs and of a K = 32 MLP ensemble;
 * and the KLoM tables with the run-to-run spread of the two PyTorch runs (different seed sets).
 * Not a test: a hand-run benchmark whose output is quoted in docs/performance.md.
 * `--only torch-seed-sets --torch-from F --save F --torch-seed-sets R` runs just PyTorch's extra seed sets
 * for the KLoM spread and appends them to F, for a later `--torch-from F` run.
 *
 *   npm run build && npm run bench:peer -- [--quick] [--backend tensorflow|wasm] [--skip-torch] [--only workload|throughput|torch-seed-sets]
 *                                           [--n N] [--m M] [--epochs E] [--gd-epochs E] [--om-epochs E] [--dmm-epochs E] [--throughput-epochs E]
 *                                           [--cnn-models N] [--mlp-models K] [--throughput-repeats R] [--save runs.jsonl] [--torch-from runs.jsonl] [--torch-seed-sets R]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { initBackend, type BackendName } from '../src/engine/backend/select';
import { loadDataset } from '../src/engine/data/registry';
import { makeForgetSet } from '../src/engine/forget/forget-set';
import { randomForgetSet } from '../src/engine/forget/generators';
import { buildModel, type ModelSpec } from '../src/engine/models';
import { COMPARISONS_KIND, compareUnlearners } from '../src/engine/recipes/compare';
import { workerCount } from '../src/engine/parallel/pool';
import { ENSEMBLES_KIND, trainEnsembleArtifact, type EnsembleManifest } from '../src/engine/recipes/ensemble';
import { MODELS_KIND, type ModelsManifest } from '../src/engine/recipes/train-models';
import type { ArtifactManifest } from '../src/engine/store/store';
import { Store } from '../src/engine/store/store';
import { parseTrainConfig } from '../src/engine/train/config';
import { toDevice } from '../src/engine/train/predict';
import { trainEnsemble } from '../src/engine/train/trainer';

// ---------------------------------------------------------------- the workload (issue #10)
interface Workload {
  nTrain: number;
  nVal: number;
  forget: number;
  n: number;
  m: number;
  epochs: number;
  gdEpochs: number;
  omEpochs: number;
  dmmEpochs: number;
  /** Throughput part: CNN models, MLP ensemble size, epochs, and how often the MLP rows are measured (median reported). */
  cnnModels: number;
  mlpModels: number;
  throughputEpochs: number;
  throughputRepeats: number;
}
const FULL: Workload = { nTrain: 1000, nVal: 1000, forget: 100, n: 100, m: 1000, epochs: 40, gdEpochs: 5, omEpochs: 20, dmmEpochs: 10, cnnModels: 10, mlpModels: 32, throughputEpochs: 2, throughputRepeats: 5 };
const QUICK: Workload = { ...FULL, n: 20, m: 100, epochs: 10, throughputEpochs: 1, throughputRepeats: 1 };
const PHASES = ['originals', 'oracles', 'GD', 'OM', 'datamodels', 'DMM', 'KLoM'] as const;
type Phase = (typeof PHASES)[number];
const KLOM_ROWS = ['do-nothing', 'noise-floor', 'GD', 'OM', 'DMM'] as const;
const SPLITS = ['forget', 'retain', 'validation'] as const;

/** Examples processed in forward+backward passes, summed over models (KLoM: model·points scored). */
function modelExamples(w: Workload): Record<Phase, number> {
  const nR = w.nTrain - w.forget;
  return {
    originals: w.n * w.nTrain * w.epochs,
    oracles: 2 * w.n * nR * w.epochs,
    GD: w.n * nR * w.gdEpochs,
    OM: w.n * 4 * w.forget * w.omEpochs,
    datamodels: w.m * Math.round(0.5 * w.nTrain) * w.epochs,
    DMM: w.n * 13 * w.forget * w.dmmEpochs,
    KLoM: KLOM_ROWS.length * 2 * w.n * (w.nTrain + w.nVal),
  };
}

type Split = { p95: number; p99: number; mean: number };
type KlomTable = Record<string, Record<(typeof SPLITS)[number], Split> & { headline: { p95: number; p99: number } }>;
interface Event {
  event: string;
  name?: string;
  edge?: string;
  [k: string]: unknown;
}

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const emit = (e: Event) => process.stdout.write(`${JSON.stringify(e)}\n`);

// ---------------------------------------------------------------- our side (child processes)
const MLP: ModelSpec = { kind: 'mlp', hidden: [256] };
const ENGINE_PHASE: Array<[RegExp, Phase]> = [
  [/^references: originals/, 'originals'],
  [/^references: oracles/, 'oracles'],
  [/^datamodels/, 'datamodels'],
  [/^GD/, 'GD'],
  [/^OM/, 'OM'],
  [/^DMM/, 'DMM'],
];

async function oursWorkload(backend: BackendName, w: Workload, forgetFile: string): Promise<void> {
  await initBackend(backend);
  const storeRoot = mkdtempSync(join(tmpdir(), 'bench-peer-store-'));
  try {
    const store = new Store(storeRoot);
    const dataset = await loadDataset(undefined, { trainSize: w.nTrain, valSize: w.nVal });
    const indices = JSON.parse(readFileSync(forgetFile, 'utf8')) as number[];
    const config = parseTrainConfig({ optimizer: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4, batchSize: 128, epochs: w.epochs });
    let phase = '';
    const started = performance.now();
    const r = await compareUnlearners(
      {
        dataset,
        model: MLP,
        config,
        n: w.n,
        forgetSet: makeForgetSet({ name: 'random-100-seed0', datasetId: dataset.id, kind: 'random', indices, params: { k: indices.length }, seed: 0 }),
        methods: ['gd', 'om', 'dmm'],
        unlearnPreset: 'workbench',
        overrides: { dmm: { forgetRepeat: 5, retainMultiplier: 8 } },
        budgets: { gd: [w.gdEpochs], om: [w.omEpochs], dmm: [w.dmmEpochs] },
        datamodels: { m: w.m, alpha: 0.5 },
      },
      store,
      {
        onProgress: (p) => {
          const hit = ENGINE_PHASE.find(([re]) => re.test(p.phase));
          if (hit && hit[1] !== phase) {
            phase = hit[1];
            emit({ event: 'phase', name: phase, edge: 'start' });
          }
        },
      },
    );
    const wall = (performance.now() - started) / 1000;
    const cm = store.readManifest<ArtifactManifest & { ensembles: Record<string, string> }>(COMPARISONS_KIND, r.key);
    if (!cm) throw new Error('the comparison was not stored');
    const ens = (role: string) => store.readManifest<EnsembleManifest>(ENSEMBLES_KIND, cm.ensembles[role])?.wallSeconds ?? NaN;
    const rowSeconds = (m: string) => r.rows.find((x) => x.method === m)?.seconds ?? NaN;
    const table: KlomTable = {};
    const names: Record<string, string> = { 'do-nothing': 'do-nothing', 'noise-floor': 'noise-floor', gd: 'GD', om: 'OM', dmm: 'DMM' };
    for (const row of r.rows) {
      const s = row.summary;
      table[names[row.method]] = { forget: s.forget, retain: s.retain, validation: s.validation, headline: s.headline };
    }
    emit({
      event: 'result',
      phases: { originals: ens('originals'), oracles: ens('oracles') + ens('oracles-floor'), GD: rowSeconds('gd'), OM: rowSeconds('om'), datamodels: r.seconds.datamodels, DMM: rowSeconds('dmm'), KLoM: r.seconds.klom },
      klom: table,
      wall,
      datamodels: r.datamodels ? { lambda: r.datamodels.lambda, lds: r.datamodels.lds } : null,
      originalsTrainAccuracy: r.originalsAccuracy.train,
      backend: r.backend,
      selfPeakMb: process.resourceUsage().maxRSS / 1024,
    });
  } finally {
    rmSync(storeRoot, { recursive: true, force: true });
  }
}

/** A throughput row measured several times: the median rate (and its seconds), and every run's rate. */
function repeatedRow(rates: number[], modelExamples: number): { seconds: number; rate: number; rates: number[] } {
  const sorted = [...rates].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const rate = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { seconds: modelExamples / rate, rate, rates };
}

async function oursThroughput(backend: BackendName, w: Workload): Promise<void> {
  await initBackend(backend);
  const ds = await loadDataset(undefined, { trainSize: w.nTrain, valSize: 10 });
  const config = parseTrainConfig({ lr: 0.05, batchSize: 128, epochs: w.throughputEpochs });
  // K = 32 MLP ensemble in one process, one batched matmul per layer (as bench/throughput.ts).
  const data = toDevice(ds.train.x, ds.train.y, ds.train.n, ds.inputShape);
  const model = buildModel(MLP, ds.inputShape, ds.classNames.length);
  const seeds = Array.from({ length: w.mlpModels }, (_, i) => i);
  // A short warm-up at the timed run's shapes (K models, batch 128), as throughput.py does: the
  // first step at a new shape pays one-off costs (oneDNN builds its kernels per shape) that a
  // real run amortises over hundreds of steps.
  const warm = await trainEnsemble({ model, data: { ...data, n: Math.min(256, data.n) }, seeds: seeds.map((s) => 1000 + s), config: { ...config, epochs: 1 } });
  Object.values(warm.params).forEach((t) => t.dispose());
  // Repeated with fresh seeds: one 2-epoch run swings by ±10 % on this VM (both sides alike).
  const mlpRates: number[] = [];
  for (let rep = 0; rep < w.throughputRepeats; rep++) {
    const r = await trainEnsemble({ model, data, seeds: seeds.map((s) => s + rep * 100), config });
    Object.values(r.params).forEach((t) => t.dispose());
    mlpRates.push((r.examplesPerModel * w.mlpModels) / r.seconds);
  }
  const mlp = repeatedRow(mlpRates, w.mlpModels * ds.train.n * w.throughputEpochs);
  // N small CNNs through the ensemble recipe (groups of K, worker processes where the backend uses them).
  const storeRoot = mkdtempSync(join(tmpdir(), 'bench-peer-store-'));
  try {
    // The same K models the way the product trains them: the ensemble recipe, split into one
    // group per worker process (two on wasm, one on tensorflow). Training time is the slowest
    // group's (they run side by side); the recipe's prediction and storing are left out.
    // With one worker (tensorflow) that is the one-process row again: not repeated.
    const workers = workerCount(backend);
    let mlpPooled: (ReturnType<typeof repeatedRow> & { workers: number }) | undefined;
    if (workers > 1) {
      const rates: number[] = [];
      let used = workers;
      for (let rep = 0; rep < w.throughputRepeats; rep++) {
        const pooled = await trainEnsembleArtifact(
          { dataset: ds, model: MLP, config, role: 'originals', count: w.mlpModels, groupSize: Math.ceil(w.mlpModels / workers), seedBase: rep * 100 },
          new Store(storeRoot),
        );
        const groupSeconds = pooled.manifest.groups.map((g) => new Store(storeRoot).readManifest<ModelsManifest>(MODELS_KIND, g.modelsKey)?.seconds ?? Number.NaN);
        rates.push((w.mlpModels * ds.train.n * w.throughputEpochs) / Math.max(...groupSeconds));
        used = pooled.manifest.workers;
      }
      mlpPooled = { ...repeatedRow(rates, w.mlpModels * ds.train.n * w.throughputEpochs), workers: used };
    }
    const e = await trainEnsembleArtifact({ dataset: ds, model: { kind: 'cnn', channels: [16, 32] }, config, role: 'originals', count: w.cnnModels }, new Store(storeRoot));
    const cnn = { seconds: e.manifest.wallSeconds, rate: (w.cnnModels * ds.train.n * w.throughputEpochs) / e.manifest.wallSeconds, workers: e.manifest.workers };
    emit({ event: 'result', rows: { 'mlp-ours': mlp, ...(mlpPooled && { 'mlp-ours-pool': mlpPooled }), 'cnn-ours': cnn } });
  } finally {
    rmSync(storeRoot, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- driver
const repoRoot = (() => {
  for (let d = __dirname; dirname(d) !== d; d = dirname(d)) if (existsSync(join(d, 'bench', 'peer', 'workload.py'))) return d;
  throw new Error('bench/peer/workload.py not found above ' + __dirname);
})();
const python = join(repoRoot, '.venv-bench', 'bin', 'python');

/** RSS (MB) of a process and all its descendants, from /proc. */
function treeRssMb(pid: number): number {
  let kb = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) stack.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended between listing and reading
    }
  }
  return kb / 1024;
}

interface Run {
  result: Event;
  wall: number;
  peakMb: number;
  phasePeakMb: Partial<Record<Phase, number>>;
}

/** The last run saved under each label ('torch loop', 'torch stacked', 'torch' for throughput) in a --save file. */
function loadSavedRuns(file: string): Map<string, Run> {
  const runs = new Map<string, Run>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { label, ...run } = JSON.parse(line) as Run & { label: string };
    runs.set(label, run);
  }
  return runs;
}

/** A saved PyTorch throughput run must be of this scale: its rows' model·examples must match. */
function checkSavedThroughput(run: Run | undefined, w: Workload): void {
  if (!run) throw new Error('the saved runs hold no PyTorch throughput run (label "torch"): run with --only workload, or save one');
  const rows = run.result.rows as Record<string, { modelExamples?: number }>;
  const expected: Record<string, number> = { 'mlp-loop': w.mlpModels * w.nTrain * w.throughputEpochs, 'mlp-stacked': w.mlpModels * w.nTrain * w.throughputEpochs, 'cnn-loop': w.cnnModels * w.nTrain * w.throughputEpochs, 'cnn-stacked': w.cnnModels * w.nTrain * w.throughputEpochs };
  for (const [name, ex] of Object.entries(expected)) {
    const got = rows[name]?.modelExamples;
    if (got !== ex) throw new Error(`the saved PyTorch throughput row ${name} has ${String(got)} model·examples, this run ${ex}: pass the same scale options as when it was saved`);
  }
}

/** A saved PyTorch run must be of this very workload: every phase's model·examples must match. */
function checkSavedWorkload(run: Run, w: Workload): void {
  const expected = modelExamples(w);
  const rows = (run.result.phaseRows ?? []) as Array<{ phase: Phase; modelExamples: number }>;
  for (const r of rows) {
    if (expected[r.phase] !== r.modelExamples) throw new Error(`the saved PyTorch run has ${r.modelExamples} model·examples in phase ${r.phase}, this workload ${expected[r.phase]}: pass the same scale options as when it was saved`);
  }
}

const extraLabel = (seedSet: number) => `torch stacked seed set ${seedSet}`;

const savedFinish = (r: Run | undefined) => (typeof r?.result.finishedAt === 'number' ? new Date(r.result.finishedAt * 1000).toISOString() : '?');

/** Runs one side as a child process, sampling its process tree's RSS every 200 ms and tagging samples with the phase markers it prints. */
function runChild(cmd: string, argv: string[], label: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, UNLEARN_LOG_LEVEL: 'warn' } });
    let current: Phase | undefined;
    let peak = 0;
    const phasePeak: Partial<Record<Phase, number>> = {};
    let result: Event | undefined;
    const sample = () => {
      if (child.pid === undefined) return;
      const mb = treeRssMb(child.pid);
      peak = Math.max(peak, mb);
      if (current) phasePeak[current] = Math.max(phasePeak[current] ?? 0, mb);
    };
    const timer = setInterval(sample, 200);
    let buf = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line) as Event;
        if (e.event === 'phase') {
          sample();
          current = e.edge === 'start' ? (e.name as Phase) : undefined;
          process.stderr.write(`  [${label}] ${e.name} ${e.edge}${typeof e.seconds === 'number' ? ` ${e.seconds.toFixed(1)} s` : ''}\n`);
        } else if (e.event === 'result') result = e;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0 || !result) reject(new Error(`${label} exited with ${code}`));
      else {
        const run = { result, wall: (performance.now() - started) / 1000, peakMb: peak, phasePeakMb: phasePeak };
        // --save <file>: every side's raw figures as JSON lines, kept even if a later side fails.
        const save = option('save');
        if (save) appendFileSync(save, `${JSON.stringify({ label, ...run })}\n`);
        resolve(run);
      }
    });
  });
}

const f1 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));
const rate = (ex: number | undefined, s: number | undefined) => (ex !== undefined && s && s > 0 && Number.isFinite(ex / s) ? Math.round(ex / s).toLocaleString('en-US') : '—');
const ratio = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
const pad = (cells: string[], widths: number[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log(pad(header, widths));
  console.log(widths.map((x) => '-'.repeat(x)).join('  '));
  for (const r of rows) console.log(pad(r, widths));
}

function phaseTable(w: Workload, sides: Array<[string, Run | undefined]>): void {
  const ex = modelExamples(w);
  const ours = sides[0][1];
  const torch = sides.slice(1);
  const secs = (r: Run | undefined, p: Phase) => (r ? (r.result.phases as Record<Phase, number>)[p] : undefined);
  const header = ['phase', 'model·ex'];
  for (const [name] of sides) header.push(`${name} s`, `${name} m·ex/s`, `${name} RSS MB`);
  for (const [name] of torch) header.push(`ours/${name}`);
  const rows: string[][] = [];
  for (const p of PHASES) {
    const row = [p, ex[p].toLocaleString('en-US')];
    for (const [, r] of sides) row.push(f1(secs(r, p)), rate(ex[p], secs(r, p)), f1(r?.phasePeakMb[p]));
    for (const [, r] of torch) row.push(ratio(secs(ours, p), secs(r, p)));
    rows.push(row);
  }
  const total = Object.values(ex).reduce((a, b) => a + b, 0) - ex.KLoM;
  const sum = (r: Run | undefined) => (r ? PHASES.reduce((a, p) => a + (secs(r, p) ?? 0), 0) : undefined);
  const sumRow = ['sum of phases', `${total.toLocaleString('en-US')}*`];
  for (const [, r] of sides) sumRow.push(f1(sum(r)), rate(total, sum(r)), f1(r?.peakMb));
  for (const [, r] of torch) sumRow.push(ratio(sum(ours), sum(r)));
  const wallRow = ['process wall', ''];
  for (const [, r] of sides) wallRow.push(f1(r?.wall), '', '');
  for (const [, r] of torch) wallRow.push(ratio(ours?.wall, r?.wall));
  rows.push(sumRow, wallRow);
  printTable(header, rows);
  console.log('* training examples only (KLoM counts model·points scored). RSS: peak of the summed RSS of the process tree (workers included), sampled every 200 ms from /proc; the sum row\'s RSS is the whole run\'s peak.');
}

/**
 * The KLoM tables of ours and of every PyTorch run (seed sets A, B, …), and issue #10's
 * agreement check. The run-to-run spread of a cell is the range (max − min) of its p99 over the
 * PyTorch runs: with two runs that is one difference, |A − B|, often far below the real
 * variation; more seed sets (--torch-seed-sets) make it a fairer yardstick.
 */
function klomTables(ours: Run | undefined, torchRuns: Run[]): void {
  const tab = (r: Run | undefined) => r?.result.klom as KlomTable | undefined;
  const torchTabs = torchRuns.map(tab).filter((t): t is KlomTable => t !== undefined);
  const header = ['row', 'split'];
  const runs: Array<[string, KlomTable | undefined]> = [['ours', tab(ours)], ...torchTabs.map((t, i): [string, KlomTable] => [`torch ${String.fromCharCode(65 + i)}`, t])];
  for (const [name] of runs) header.push(`${name} p95`, `${name} p99`);
  header.push('spread p99', 'agrees');
  const rows: string[][] = [];
  let disagreements = 0;
  let checks = 0;
  const torchP99 = (row: string, split: string) => torchTabs.map((t) => t[row]?.[split as 'forget']?.p99).filter((x): x is number => x !== undefined);
  const spreadOf = (row: string, split: string) => {
    const v = torchP99(row, split);
    return v.length >= 2 && v.length === torchTabs.length ? Math.max(...v) - Math.min(...v) : undefined;
  };
  for (const row of KLOM_ROWS) {
    for (const split of [...SPLITS, 'headline'] as const) {
      const cells = [row, split === 'headline' ? 'avg' : split];
      for (const [, t] of runs) cells.push(f3(t?.[row]?.[split].p95), f3(t?.[row]?.[split].p99));
      const spread = spreadOf(row, split);
      const o = tab(ours)?.[row]?.[split].p99;
      let ok = '—';
      if (spread !== undefined && o !== undefined && split !== 'headline') {
        const agrees = Math.min(...torchP99(row, split).map((t) => Math.abs(o - t))) <= spread + 1e-12;
        checks++;
        if (!agrees) disagreements++;
        ok = agrees ? 'yes' : 'NO';
      }
      cells.push(f3(spread), ok);
      rows.push(cells);
    }
  }
  printTable(header, rows);
  // Ordering: wherever every PyTorch run puts two methods' p99 further apart than either method's spread, ours must order them alike.
  const methods = ['GD', 'OM', 'DMM'];
  const orderNotes: string[] = [];
  for (const split of SPLITS) {
    for (let i = 0; i < methods.length; i++) {
      for (let j = i + 1; j < methods.length; j++) {
        const [m1, m2] = [methods[i], methods[j]];
        const p = (t: KlomTable | undefined, m: string) => t?.[m]?.[split].p99 ?? NaN;
        const gaps = torchTabs.map((t) => p(t, m1) - p(t, m2));
        const spread = Math.max(spreadOf(m1, split) ?? NaN, spreadOf(m2, split) ?? NaN);
        if (gaps.length < 2 || !gaps.every((g) => Math.sign(g) === Math.sign(gaps[0]) && Math.abs(g) > spread)) continue;
        const go = p(tab(ours), m1) - p(tab(ours), m2);
        checks++;
        const same = Math.sign(go) === Math.sign(gaps[0]);
        if (!same) disagreements++;
        orderNotes.push(`${split}: ${m1} ${gaps[0] < 0 ? '<' : '>'} ${m2} in every PyTorch run (gap > spread); ours ${same ? 'agrees' : 'DISAGREES'}`);
      }
    }
  }
  for (const n of orderNotes) console.log(`  ordering ${n}`);
  if (orderNotes.length === 0) console.log('  ordering: no pair of methods is further apart than the run-to-run spread in every PyTorch run: nothing to check');
  if (checks > 0) console.log(`Agreement (issue #10 criterion): ${disagreements === 0 ? 'AGREE' : `DISAGREE (${disagreements} of ${checks} checks)`} — each split's p99 of ours within the spread (range over ${torchTabs.length} PyTorch runs) of one PyTorch run, and the ordering where the gap exceeds the spread.`);
}

async function driver(): Promise<void> {
  const quick = flag('quick');
  // --n, --m, --epochs, --gd-epochs … override the chosen scale (for a tiny smoke run).
  const w: Workload = { ...(quick ? QUICK : FULL) };
  const overrides: Record<string, Exclude<keyof Workload, 'nTrain' | 'nVal' | 'forget'>> = {
    n: 'n',
    m: 'm',
    epochs: 'epochs',
    'gd-epochs': 'gdEpochs',
    'om-epochs': 'omEpochs',
    'dmm-epochs': 'dmmEpochs',
    'throughput-epochs': 'throughputEpochs',
    'cnn-models': 'cnnModels',
    'mlp-models': 'mlpModels',
    'throughput-repeats': 'throughputRepeats',
  };
  for (const [k, field] of Object.entries(overrides)) {
    const v = option(k);
    if (v === undefined) continue;
    const x = Number(v);
    if (!Number.isInteger(x) || x < 1) throw new Error(`--${k} must be a positive integer, got ${v}`);
    w[field] = x;
  }
  const scaled = Object.keys(overrides).some((k) => flag(k));
  const backend = (option('backend') ?? 'tensorflow') as BackendName;
  if (backend !== 'tensorflow' && backend !== 'wasm') throw new Error(`--backend must be tensorflow or wasm, got ${backend}`);
  const skipTorch = flag('skip-torch');
  // --torch-from <runs.jsonl>: PyTorch's sides from an earlier --save instead of running them again.
  const torchFrom = option('torch-from');
  // --torch-seed-sets R (≥ 2): R PyTorch runs for the KLoM spread (loop A, stacked B, then stacked C, D, …);
  // with --torch-from, the sets not saved there are run (and saved with --save).
  const torchSeedSets = Number(option('torch-seed-sets') ?? 2);
  if (!Number.isInteger(torchSeedSets) || torchSeedSets < 2) throw new Error(`--torch-seed-sets must be an integer ≥ 2, got ${option('torch-seed-sets')}`);
  const saved = torchFrom ? loadSavedRuns(torchFrom) : undefined;
  const only = option('only');
  if (only !== undefined && !['workload', 'throughput', 'torch-seed-sets'].includes(only)) throw new Error(`--only must be workload, throughput or torch-seed-sets, got ${only}`);
  if (saved && only !== 'throughput') {
    if (!saved.has('torch loop') || !saved.has('torch stacked')) throw new Error(`${torchFrom} holds no saved PyTorch workload runs (labels "torch loop" and "torch stacked"): run with --only throughput, or save them`);
    for (const [label, run] of saved) if (label.startsWith('torch ')) checkSavedWorkload(run, w);
  }
  if (saved && only !== 'workload') checkSavedThroughput(saved.get('torch'), w);
  if (!skipTorch && !saved && !existsSync(python)) {
    console.error(`PyTorch venv not found at ${python}. Create it (offline, from the machine's pip store):\n  cd ${repoRoot} && python3 -m venv --system-site-packages .venv-bench && .venv-bench/bin/pip install 'torch==2.13.0+cpu'\nor run with --skip-torch.`);
    process.exitCode = 2;
    return;
  }
  const self = process.argv[1];
  const work = mkdtempSync(join(tmpdir(), 'bench-peer-'));
  const forgetFile = join(work, 'forget.json');
  writeFileSync(forgetFile, JSON.stringify(randomForgetSet(w.nTrain, w.forget, 0).indices));
  const pyArgs = (form: string, seedSet: number) => [
    join(repoRoot, 'bench', 'peer', 'workload.py'), '--form', form, '--seed-set', String(seedSet), '--forget', forgetFile,
    '--n-train', String(w.nTrain), '--n-val', String(w.nVal), '--n', String(w.n), '--m', String(w.m), '--epochs', String(w.epochs),
    '--gd-epochs', String(w.gdEpochs), '--om-epochs', String(w.omEpochs), '--dmm-epochs', String(w.dmmEpochs),
  ];
  console.log(`Peer benchmark ${new Date().toISOString()} — ${quick || scaled ? 'SCALED DOWN (not the issue\'s workload)' : 'full workload'}: n=${w.nTrain} train, ${w.nVal} val, |F|=${w.forget}, N=${w.n}, M=${w.m}, ${w.epochs} epochs; our backend ${backend}; Node ${process.version}`);
  try {
    if (only === 'torch-seed-sets') {
      // Only PyTorch's extra seed sets (C, D, …) missing from --torch-from, saved with --save for a later run's KLoM spread.
      if (!saved || !option('save')) throw new Error('--only torch-seed-sets needs --torch-from <runs.jsonl> and --save <runs.jsonl>');
      let set = 2;
      while (saved.has(extraLabel(set))) set++;
      for (; set < torchSeedSets; set++) {
        process.stderr.write(`workload: PyTorch stacked (seed set ${String.fromCharCode(65 + set)}, for the KLoM spread only)\n`);
        await runChild(python, pyArgs('stacked', set), extraLabel(set));
      }
      return;
    }
    if (only !== 'throughput') {
      process.stderr.write('workload: ours\n');
      const ours = await runChild(process.execPath, [self, '--ours-workload', backend, JSON.stringify(w), forgetFile], 'ours');
      let loop: Run | undefined;
      let stacked: Run | undefined;
      // Seed sets C, D, … (stacked form): only for the KLoM spread, not in the phase table.
      const extra: Run[] = [];
      if (saved) {
        loop = saved.get('torch loop');
        stacked = saved.get('torch stacked');
        for (let set = 2; saved.has(extraLabel(set)); set++) extra.push(saved.get(extraLabel(set)) as Run);
        console.log(`PyTorch ${String(loop?.result.torch)}, threads ${String(loop?.result.threads)}: NOT RE-RUN — the saved runs in ${torchFrom} (finished ${savedFinish(loop)} and ${savedFinish(stacked)}); ratios compare runs made at different times`);
        // Seed sets beyond the saved ones are run now: they only feed the KLoM spread, where time does not enter.
        for (let set = 2 + extra.length; set < torchSeedSets; set++) {
          process.stderr.write(`workload: PyTorch stacked (seed set ${String.fromCharCode(65 + set)}, not saved in ${torchFrom}, for the KLoM spread only)\n`);
          extra.push(await runChild(python, pyArgs('stacked', set), extraLabel(set)));
        }
      } else if (!skipTorch) {
        process.stderr.write('workload: PyTorch one model at a time (seed set A)\n');
        loop = await runChild(python, pyArgs('loop', 0), 'torch loop');
        process.stderr.write('workload: PyTorch stacked (seed set B)\n');
        stacked = await runChild(python, pyArgs('stacked', 1), 'torch stacked');
        for (let set = 2; set < torchSeedSets; set++) {
          process.stderr.write(`workload: PyTorch stacked (seed set ${String.fromCharCode(65 + set)}, for the KLoM spread only)\n`);
          extra.push(await runChild(python, pyArgs('stacked', set), extraLabel(set)));
        }
        console.log(`PyTorch ${String(loop.result.torch)}, threads ${String(loop.result.threads)} (torch.get_num_threads(), default)`);
      }
      console.log(`\nWorkload per phase (ours = ${String(ours.result.backend)}; loop = PyTorch one model at a time; stacked = PyTorch torch.bmm over a model axis)`);
      phaseTable(w, skipTorch ? [['ours', ours]] : [['ours', ours], ['loop', loop], ['stacked', stacked]]);
      const dm = (r: Run | undefined) => (r?.result.datamodels as { lambda: number; lds: number } | null | undefined);
      console.log(`originals' training accuracy: ours ${f3(ours.result.originalsTrainAccuracy as number)}, loop ${f3(loop?.result.originalsTrainAccuracy as number | undefined)}, stacked ${f3(stacked?.result.originalsTrainAccuracy as number | undefined)}; datamodel LDS (λ): ours ${f3(dm(ours)?.lds)} (${String(dm(ours)?.lambda)}), loop ${f3(dm(loop)?.lds)} (${String(dm(loop)?.lambda)}), stacked ${f3(dm(stacked)?.lds)} (${String(dm(stacked)?.lambda)})`);
      console.log(`engine main process peak RSS (process.resourceUsage): ${f1(ours.result.selfPeakMb as number)} MB; Python getrusage self/children: loop ${f1(loop?.result.peakRssSelfMb as number | undefined)}/${f1(loop?.result.peakRssChildrenMb as number | undefined)} MB, stacked ${f1(stacked?.result.peakRssSelfMb as number | undefined)}/${f1(stacked?.result.peakRssChildrenMb as number | undefined)} MB`);
      const torchRuns = [loop, stacked, ...extra].filter((r): r is Run => r !== undefined);
      console.log(`\nKLoM (N = ${w.n}; torch A = loop, seed set A; torch B = stacked, seed set B${extra.length ? `; torch C… = stacked, seed sets C…` : ''}; all plain PyTorch, so the range of their p99 is the run-to-run spread)`);
      klomTables(ours, torchRuns);
    }
    if (only !== 'workload') {
      process.stderr.write('throughput: ours\n');
      const ours = await runChild(process.execPath, [self, '--ours-throughput', backend, JSON.stringify(w)], 'ours');
      const torch = saved
        ? saved.get('torch')
        : skipTorch
          ? undefined
          : await runChild(python, [join(repoRoot, 'bench', 'peer', 'throughput.py'), '--cnn-models', String(w.cnnModels), '--mlp-models', String(w.mlpModels), '--epochs', String(w.throughputEpochs), '--n-train', String(w.nTrain), '--repeats', String(w.throughputRepeats)], 'torch');
      type T = Record<string, { seconds: number; rate: number; rates?: number[]; workers?: number }>;
      const o = ours.result.rows as T;
      const t = (torch?.result.rows ?? {}) as T;
      console.log(`\nTraining throughput alone (model·examples/s, ${w.nTrain} points, batch 128, ${w.throughputEpochs} epoch(s))`);
      const row = (label: string, ours: string, torchName: string) => [label, rate(o[ours].rate, 1), rate(t[`${torchName}-loop`]?.rate, 1), rate(t[`${torchName}-stacked`]?.rate, 1), ratio(o[ours].rate, t[`${torchName}-loop`]?.rate), ratio(o[ours].rate, t[`${torchName}-stacked`]?.rate)];
      printTable(['workload', 'ours', 'torch loop', 'torch stacked', 'ours/loop', 'ours/stacked'], [
        row(`MLP 784-256-10, K = ${w.mlpModels}, one process`, 'mlp-ours', 'mlp'),
        ...(o['mlp-ours-pool'] ? [row(`MLP 784-256-10, K = ${w.mlpModels} in ${o['mlp-ours-pool'].workers ?? 1} worker(s)`, 'mlp-ours-pool', 'mlp')] : []),
        row(`small CNN, N = ${w.cnnModels} (ours: ${o['cnn-ours'].workers ?? 1} worker(s))`, 'cnn-ours', 'cnn'),
      ]);
      for (const [side, rows] of [['ours', o], ['torch', t]] as const) {
        for (const [name, r] of Object.entries(rows)) if (r.rates && r.rates.length > 1) console.log(`  ${side} ${name}: median of ${r.rates.length} runs; each: ${r.rates.map((x) => rate(x, 1)).join(', ')}`);
      }
      console.log('(ratios here are throughput ratios: > 1 means ours is faster; in the phase table they are time ratios: < 1 means ours is faster; MLP rows are medians of repeated runs, see above)');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const i = args.indexOf('--ours-workload');
  if (i >= 0) return oursWorkload(args[i + 1] as BackendName, JSON.parse(args[i + 2]) as Workload, args[i + 3]);
  const j = args.indexOf('--ours-throughput');
  if (j >= 0) return oursThroughput(args[j + 1] as BackendName, JSON.parse(args[j + 2]) as Workload);
  return driver();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
