/**
 * What each RPC method does, on validated params. Short requests return their result; job
 * methods return a JobSpec for the queue, after every check that needs no data (params, store,
 * settings) so that a job is refused before it is queued rather than failing later.
 *
 * TensorFlow.js is loaded lazily (dynamic import of the recipe modules): the engine answers
 * listDatasets, thumbnails and forget-set requests without paying for it, and the linear-study
 * worker, which re-enters this bundle, never loads it at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendInfo } from '../backend/select';
import { inputSize } from '../data/dataset';
import { listDatasets } from '../data/registry';
import { UnlearnError } from '../errors';
import { forgetSetProblems, forgetSetToJson, makeForgetSet, readForgetSetFile, type ForgetSet } from '../forget/forget-set';
import { draftForgetSet } from '../forget/draft';
import { linearSettingsHash, parseLinearSettings } from '../linear/settings';
import { formatCsv } from '../linear/format';
import type { LinearStudyResult } from '../linear';
import type { EnsembleRole } from '../recipes/ensemble';
import { writeFileAtomic } from '../store/atomic';
import { listUnlearners, loadPlugins } from '../unlearn/plugin-loader';
import { ENGINE_VERSION } from '../version';
import {
  ENSEMBLE_ROLES,
  PROTOCOL_VERSION,
  encodeBytes,
  type JobName,
  type ParsedJobParams,
  type ParsedRequestParams,
  type RequestName,
  type RequestResult,
} from '../../protocol';
import { perPointKlom, pointMargins } from './comparisons';
import { runLinearStudyInWorker } from './linear-worker';
import { optionalJobRunner } from './optional';
import type { JobContext, JobSpec } from './queue';
import { UnlearnErrorLike } from './queue';
import { datasetFor, openStore, perClassCounts, resolveForgetSet, throwIfCancelled } from './resources';

// A compile-time check that the protocol's role list is the engine's.
const _roles: readonly EnsembleRole[] = ENSEMBLE_ROLES;
void _roles;

type BackendModule = typeof import('../backend/select.js');
let backendModule: BackendModule | undefined;
async function backend(): Promise<BackendModule> {
  backendModule ??= await import('../backend/select.js');
  return backendModule;
}

/** Bytes a single readResult may return, so one request cannot stall the channel for long. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

export interface HandlerEnv {
  /** The engine bundle, to start worker threads from. */
  entry: string;
  capabilities: string[];
}

type RequestHandlers = { [N in Exclude<RequestName, 'listJobs' | 'jobResult' | 'cancel' | 'shutdown'>]: (p: ParsedRequestParams<N>) => Promise<RequestResult<N>> };

export function requestHandlers(env: HandlerEnv): RequestHandlers {
  return {
    async engineInfo(p) {
      let info: BackendInfo | undefined;
      if (p.initBackend) info = await (await backend()).initBackend();
      else info = backendModule?.currentBackend();
      return {
        engineVersion: ENGINE_VERSION,
        protocolVersion: PROTOCOL_VERSION,
        node: process.version,
        pid: process.pid,
        platform: `${process.platform}-${process.arch}`,
        backend: info ?? null,
        requestedBackend: process.env.UNLEARN_BACKEND?.trim() || 'auto',
        capabilities: env.capabilities,
      };
    },

    async listDatasets() {
      return { datasets: await listDatasets() };
    },

    async datasetSamples(p) {
      const ds = await datasetFor(p.dataset);
      const split = p.split === 'train' ? ds.train : ds.validation;
      const splitName = p.split === 'train' ? 'training' : 'validation';
      if (p.offset > split.n) throw new UnlearnError('bad-config', `offset ${p.offset} is past the end of the ${splitName} split of ${ds.name} (${split.n} points)`);
      const count = Math.min(p.limit, split.n - p.offset);
      const size = inputSize(ds);
      const pixels = split.pixels ? encodeBytes(split.pixels.subarray(p.offset * size, (p.offset + count) * size)) : null;
      return {
        datasetId: ds.id,
        name: ds.name,
        split: p.split,
        total: split.n,
        offset: p.offset,
        count,
        inputShape: ds.inputShape,
        classNames: ds.classNames,
        labels: Array.from(split.y.subarray(p.offset, p.offset + count)),
        pixels,
      };
    },

    async createForgetSet(p) {
      const ds = await datasetFor(p.dataset);
      const draft = await draftForgetSet(p.generator, ds);
      const name = p.name ?? `${draft.kind}-${draft.indices.length}${draft.seed !== undefined ? `-seed${draft.seed}` : ''}`;
      const set = makeForgetSet({ name, datasetId: ds.id, kind: draft.kind, indices: draft.indices, params: draft.params, seed: draft.seed });
      const problems = forgetSetProblems(set, { datasetId: ds.id, nTrain: ds.train.n });
      if (problems.length) throw new UnlearnError('bad-forget-set', problems.join('; '));
      if (p.file) writeFileAtomic(p.file, forgetSetToJson(set));
      return { forgetSet: set, file: p.file ?? null, perClass: perClassCounts(ds, set.indices) };
    },

    async validateForgetSet(p) {
      const ds = await datasetFor(p.dataset);
      const set: ForgetSet = p.forget.set ?? (await readForgetSetFile(p.forget.file as string));
      const problems = forgetSetProblems(set, { datasetId: ds.id, nTrain: ds.train.n });
      return { valid: problems.length === 0, problems, datasetId: ds.id, nTrain: ds.train.n, perClass: problems.length === 0 ? perClassCounts(ds, set.indices) : null };
    },

    async readResult(p) {
      const store = openStore(p.store, 'read');
      const manifest = store.readManifest(p.kind, p.key);
      if (!manifest) throw new UnlearnError('not-found', `no complete artifact ${p.kind}/${p.key} in the store ${store.root}`);
      const arrays: RequestResult<'readResult'>['arrays'] = {};
      let bytes = 0;
      for (const name of p.arrays) {
        const a = store.readArray(p.kind, p.key, name);
        bytes += a.data.byteLength;
        if (bytes > MAX_READ_BYTES) throw new UnlearnError('bad-config', `the arrays asked for exceed ${MAX_READ_BYTES / 2 ** 20} MiB; read fewer at a time`);
        arrays[name] = { dtype: a.dtype, shape: a.shape, data: encodeBytes(a.data) };
      }
      const files: Record<string, string> = {};
      for (const name of p.files) {
        const file = join(store.dir(p.kind, p.key), name);
        if (!existsSync(file)) throw new UnlearnError('not-found', `${file}: no such file in the artifact`);
        files[name] = readFileSync(file, 'utf8');
      }
      return { dir: store.dir(p.kind, p.key), manifest, arrays, files };
    },

    async perPointKlom(p) {
      return perPointKlom(p);
    },

    async pointMargins(p) {
      return pointMargins(p);
    },

    async listUnlearners(p) {
      return { methods: listUnlearners(await loadPlugins(p.plugins)) };
    },
    async listResults(p) {
      const store = openStore(p.store, 'read');
      const sweptTemporaries = existsSync(store.root) ? store.sweepTemporaries() : 0;
      const kinds = p.kind ? [p.kind] : store.kinds();
      const artifacts = kinds.flatMap((kind) => store.list(kind).map((m) => ({ kind, key: m.key, createdAt: typeof m.createdAt === 'string' ? m.createdAt : null })));
      return { store: store.root, artifacts, sweptTemporaries };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Jobs

type JobFactories = { [N in JobName]: (p: ParsedJobParams<N>) => JobSpec };

const datasetLabel = (d: { spec?: string; trainSize?: number }) => `${d.spec || 'embedded'}${d.trainSize ? ` (${d.trainSize} train)` : ''}`;
const modelLabel = (m: ParsedJobParams<'train'>['model']) => (m.kind === 'mlp' ? `mlp ${m.hidden.join('-')}` : m.kind);

export function jobFactories(env: HandlerEnv): JobFactories {
  return {
    train(p) {
      const store = openStore(p.store, 'write');
      return {
        method: 'unlearn/train',
        label: `train ${modelLabel(p.model)} ×${p.seeds.length} on ${datasetLabel(p.dataset)}`,
        async run(ctx) {
          loading(ctx);
          const ds = await datasetFor(p.dataset);
          const forget = p.forget ? await resolveForgetSet(p.forget, ds) : undefined;
          throwIfCancelled(ctx.signal);
          const [{ trainModels }, { retainSet }] = await Promise.all([import('../recipes/train-models.js'), import('../eval/summary.js')]);
          const r = await trainModels(
            {
              dataset: ds,
              model: p.model,
              config: p.config,
              seeds: p.seeds,
              trainIndices: forget ? retainSet(ds.train.n, forget.indices) : undefined,
              saveWeights: p.saveWeights,
              force: p.force,
            },
            store,
            {
              signal: ctx.signal,
              onProgress: (t) =>
                ctx.progress({
                  phase: 'train',
                  step: t.step,
                  total: t.totalSteps,
                  fraction: t.totalSteps > 0 ? t.step / t.totalSteps : 0,
                  epoch: t.epoch,
                  epochs: t.epochs,
                  loss: t.loss,
                  etaSeconds: t.etaSeconds,
                  examplesPerSecond: t.examplesPerSecond,
                  modelsDone: 0,
                  modelsTotal: p.seeds.length,
                }),
            },
          );
          const m = r.manifest;
          noteDivergence(ctx, m.divergedAtEpoch);
          return {
            key: r.key,
            dir: r.dir,
            cached: r.cached,
            backend: m.backend,
            tfjsVersion: m.tfjsVersion,
            datasetId: m.dataset.id,
            seeds: m.seeds,
            trainedOn: m.trainedOn,
            trainAccuracy: m.trainAccuracy,
            valAccuracy: m.valAccuracy,
            lossHistory: m.lossHistory,
            divergedAtEpoch: m.divergedAtEpoch,
            diverged: m.divergedAtEpoch.some((d) => d !== null),
            seconds: m.seconds,
            examplesPerSecond: m.examplesPerSecond,
          };
        },
      };
    },

    trainEnsemble(p) {
      const store = openStore(p.store, 'write');
      return {
        method: 'unlearn/trainEnsemble',
        label: `${p.role} ×${p.n}: ${modelLabel(p.model)} on ${datasetLabel(p.dataset)}`,
        async run(ctx) {
          loading(ctx);
          const ds = await datasetFor(p.dataset);
          const set = p.forget ? await resolveForgetSet(p.forget, ds) : undefined;
          throwIfCancelled(ctx.signal);
          const { trainEnsembleArtifact } = await import('../recipes/ensemble.js');
          const r = await trainEnsembleArtifact(
            {
              dataset: ds,
              model: p.model,
              config: p.config,
              role: p.role,
              count: p.n,
              groupSize: p.groupSize,
              seedBase: p.seedBase,
              forget: set ? { name: set.name, indices: Int32Array.from(set.indices) } : undefined,
            },
            store,
            {
              signal: ctx.signal,
              onProgress: (t) =>
                ctx.progress({
                  phase: p.role,
                  step: t.step,
                  total: t.totalSteps,
                  fraction: ensembleFraction(t),
                  epoch: t.epoch,
                  epochs: t.epochs,
                  loss: t.loss,
                  examplesPerSecond: t.examplesPerSecond,
                  modelsDone: t.modelsDone,
                  modelsTotal: t.modelsTotal,
                }),
            },
          );
          const m = r.manifest;
          noteDivergence(ctx, m.divergedAtEpoch);
          return {
            key: r.key,
            dir: r.dir,
            cached: r.cached,
            role: m.role,
            backend: m.backend,
            seeds: m.seeds,
            groups: m.groups,
            forget: m.forget,
            trainAccuracy: m.trainAccuracy,
            valAccuracy: m.valAccuracy,
            divergedAtEpoch: m.divergedAtEpoch,
            diverged: m.divergedAtEpoch.filter((d) => d !== null).length,
            seconds: m.seconds,
          };
        },
      };
    },

    evaluate(p) {
      const store = openStore(p.store, 'write');
      return {
        method: 'unlearn/evaluate',
        label: `evaluate (do nothing, noise floor) N=${p.n}: ${modelLabel(p.model)} on ${datasetLabel(p.dataset)}`,
        async run(ctx) {
          loading(ctx);
          const ds = await datasetFor(p.dataset);
          const forgetSet = await resolveForgetSet(p.forget, ds);
          throwIfCancelled(ctx.signal);
          const { evaluateReferences } = await import('../recipes/references.js');
          const phases: readonly string[] = ENSEMBLE_ROLES;
          const r = await evaluateReferences(
            { dataset: ds, model: p.model, config: p.config, n: p.n, groupSize: p.groupSize, forgetSet, klom: p.klom, preset: p.preset },
            store,
            {
              signal: ctx.signal,
              onProgress: (t) =>
                ctx.progress({
                  phase: t.phase,
                  step: t.step,
                  total: t.totalSteps,
                  fraction: Math.min(1, (phases.indexOf(t.phase) + ensembleFraction(t)) / phases.length),
                  epoch: t.epoch,
                  epochs: t.epochs,
                  loss: t.loss,
                  examplesPerSecond: t.examplesPerSecond,
                  modelsDone: t.modelsDone,
                  modelsTotal: t.modelsTotal,
                }),
            },
          );
          for (const role of ENSEMBLE_ROLES) noteDivergence(ctx, r.ensembles[role].manifest.divergedAtEpoch, role);
          return {
            key: r.key,
            dir: r.dir,
            backend: r.backend,
            report: r.report,
            ensembles: { originals: r.ensembles.originals.key, oracles: r.ensembles.oracles.key, 'oracles-floor': r.ensembles['oracles-floor'].key },
            seconds: r.seconds,
          };
        },
      };
    },

    linearStudy(p) {
      const store = openStore(p.store, 'write');
      // The schema fills defaults; this adds the checks that relate fields (k < n, problem size).
      const settings = parseLinearSettings(p.settings);
      const key = linearSettingsHash(settings);
      const methodsTotal = 3 + settings.ascentWeights.length + (settings.datamodel === 'none' ? 0 : 1);
      return {
        method: 'unlearn/linearStudy',
        label: `linear study n=${settings.n} d=${settings.d} k=${settings.k}, ${settings.steps} steps`,
        async run(ctx) {
          const dir = store.dir('linear', key);
          const existing = join(dir, 'result.json');
          if (existsSync(existing)) return { key, dir, cached: true, result: JSON.parse(readFileSync(existing, 'utf8')) as LinearStudyResult };
          const seen: string[] = [];
          const result = await runLinearStudyInWorker(env.entry, settings, {
            signal: ctx.signal,
            onProgress: (methodId, step, steps) => {
              if (!seen.includes(methodId)) seen.push(methodId);
              const fraction = Math.min(1, (seen.length - 1 + step / Math.max(steps, 1)) / methodsTotal);
              ctx.progress({ phase: methodId, step, total: steps, fraction, loss: null });
            },
          });
          store.write('linear', key, { settings, settingsHash: key, lr: result.lr }, {}, { 'result.json': JSON.stringify(result, null, 1) + '\n', 'curves.csv': formatCsv(result) });
          return { key, dir, cached: false, result };
        },
      };
    },

    estimateDatamodels: (p) => optionalJob('estimateDatamodels', p, `datamodels M=${p.models} (${p.estimator}): ${modelLabel(p.model)} on ${datasetLabel(p.dataset)}`),
    runUnlearners: (p) => optionalJob('runUnlearners', p, `unlearn ${[...p.methods, ...p.pluginMethods].join(', ')} on ${p.n} originals: ${modelLabel(p.model)} on ${datasetLabel(p.dataset)}`),
    compare: (p) => optionalJob('compare', p, `compare ${[...p.methods, ...p.pluginMethods].join(', ')} N=${p.n}: ${modelLabel(p.model)} on ${datasetLabel(p.dataset)}`),
  };
}

function optionalJob<N extends 'estimateDatamodels' | 'runUnlearners' | 'compare'>(name: N, p: ParsedJobParams<N>, label: string): JobSpec {
  const runner = optionalJobRunner(name);
  if (!runner) {
    throw new UnlearnErrorLike('not-available', `unlearn/${name} is not available in this engine version (${ENGINE_VERSION}): its module is not part of this build yet`);
  }
  const store = openStore(p.store, 'write');
  return { method: `unlearn/${name}`, label, run: (ctx) => runner(p, store, ctx) };
}

function loading(ctx: JobContext): void {
  ctx.progress({ phase: 'load-data', step: 0, total: 1, fraction: 0, loss: null });
}

/** Whole-ensemble fraction: the trainer's step counts cover every group still to train. */
function ensembleFraction(t: { step: number; totalSteps: number; modelsDone: number; modelsTotal: number }): number {
  if (t.totalSteps > 0) return Math.min(1, t.step / t.totalSteps);
  return t.modelsTotal > 0 ? t.modelsDone / t.modelsTotal : 0;
}

function noteDivergence(ctx: JobContext, divergedAtEpoch: ReadonlyArray<number | null>, what = 'models'): void {
  const bad = divergedAtEpoch.filter((d) => d !== null);
  if (bad.length === 0) return;
  ctx.note('warn', `${bad.length} of ${divergedAtEpoch.length} ${what} diverged (loss or weights became non-finite, first at epoch ${Math.min(...(bad as number[]))}): lower the learning rate`);
}
