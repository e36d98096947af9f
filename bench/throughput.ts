/**
 * Training throughput (examples/s, forward + backward + update) of the MLP and the small CNN
 * on every backend that loads here, one child process per backend, all in one run.
 * Not a test: it prints figures and ratios against wasm measured in the same run.
 *
 *   npm run build && node dist/bench-throughput.js [--epochs 2] [--n 1000]
 */
import { spawnSync } from 'node:child_process';
import { initBackend, type BackendName } from '../src/engine/backend/select';
import { loadDataset } from '../src/engine/data/registry';
import { buildModel, type ModelSpec } from '../src/engine/models';
import { parseTrainConfig } from '../src/engine/train/config';
import { toDevice } from '../src/engine/train/predict';
import { trainEnsemble } from '../src/engine/train/trainer';

interface Row {
  backend: string;
  workload: string;
  models: number;
  examplesPerSecond: number;
  seconds: number;
}

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};

async function child(backend: BackendName): Promise<Row[]> {
  await initBackend(backend);
  const n = arg('n', 1000);
  const epochs = arg('epochs', 2);
  const ds = await loadDataset(undefined, { trainSize: n, valSize: 10 });
  const data = toDevice(ds.train.x, ds.train.y, ds.train.n, ds.inputShape);
  const workloads: Array<{ name: string; spec: ModelSpec; K: number; epochs: number }> = [
    { name: 'MLP 784-256-10', spec: { kind: 'mlp', hidden: [256] }, K: 1, epochs },
    { name: 'MLP 784-256-10', spec: { kind: 'mlp', hidden: [256] }, K: 32, epochs: backend === 'cpu' ? 0 : 1 },
    // The quick preset's model in its default ensemble group (what `unlearn compare` trains).
    { name: 'MLP 784-64-10', spec: { kind: 'mlp', hidden: [64] }, K: 10, epochs: backend === 'cpu' ? 0 : 1 },
    { name: 'CNN conv16-conv32-pool-dense', spec: { kind: 'cnn', channels: [16, 32] }, K: 1, epochs: backend === 'cpu' ? 0 : 1 },
  ];
  const rows: Row[] = [];
  for (const w of workloads) {
    if (w.epochs === 0) continue;
    const model = buildModel(w.spec, ds.inputShape, ds.classNames.length);
    const seeds = Array.from({ length: w.K }, (_, i) => i);
    const config = parseTrainConfig({ lr: 0.05, batchSize: 128, epochs: w.epochs });
    // One short warm-up run so kernel compilation and allocation are not timed.
    const warm = await trainEnsemble({ model, data: { ...data, n: Math.min(256, data.n) }, seeds, config: { ...config, epochs: 1 } });
    Object.values(warm.params).forEach((t) => t.dispose());
    const r = await trainEnsemble({ model, data, seeds, config });
    Object.values(r.params).forEach((t) => t.dispose());
    rows.push({ backend, workload: w.name, models: w.K, examplesPerSecond: (r.examplesPerModel * w.K) / r.seconds, seconds: r.seconds });
  }
  return rows;
}

async function main(): Promise<void> {
  const i = args.indexOf('--child');
  if (i >= 0) {
    const rows = await child(args[i + 1] as BackendName);
    process.stdout.write(JSON.stringify(rows) + '\n');
    return;
  }
  const all: Row[] = [];
  for (const b of ['tensorflow', 'wasm', 'cpu'] as const) {
    const r = spawnSync(process.execPath, [process.argv[1], ...args, '--child', b], { encoding: 'utf8', env: { ...process.env, UNLEARN_LOG_LEVEL: 'warn' } });
    if (r.status !== 0) {
      console.log(`${b}: not available (${(r.stderr || '').trim().split('\n').at(-1)})`);
      continue;
    }
    all.push(...(JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as Row[]));
  }
  console.log(`\nTraining throughput, batch 128, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`);
  console.log('backend     workload                        K   examples/s   vs wasm');
  for (const r of all) {
    const base = all.find((w) => w.backend === 'wasm' && w.workload === r.workload && w.models === r.models);
    const ratio = base ? (r.examplesPerSecond / base.examplesPerSecond).toFixed(2) + '×' : '—';
    console.log(`${r.backend.padEnd(11)} ${r.workload.padEnd(31)} ${String(r.models).padStart(2)}   ${Math.round(r.examplesPerSecond).toString().padStart(10)}   ${ratio}`);
  }
}

void main();
