/**
 * The panels' data, from the engine client and the workspace: thumbnails and forget-set
 * generators for the forget-set panel, live jobs for the run panel, the linear study.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { linearSettingsSchema } from '../engine/linear/settings';
import type { LinearStudyResult } from '../engine/linear/study';
import { Rng } from '../engine/util/rng';
import { decodeBytes, type JobInfo, type JobResult } from '../protocol';
import { writeJsonAtomic } from './atomic-write';
import { fileSystemFor } from './workspace-files';
import type { JobEvent, JobStore } from './job-store';
import type { Experiment } from '../protocol/experiment';
import type { RunSnapshot } from '../protocol/webview/run';
import type { EngineHost } from './engine/host';
import { recipeOf, workspaceRoot } from './experiments';
import { compareSnapshotFromResult, linearResultToWire, provenanceOf, linearSettingsFromForm, type ComparePanelData, type ForgetSetPanelData, type LinearPanelData, type PerPointPanelData, type RunEvent, type RunPanelData } from './panels';
import { LINEAR_DEFAULTS, type LinearForm } from '../protocol/webview/linear';
import type { forgetGeneratorSchema } from '../protocol/schemas';
import type { z } from 'zod';

const forgetDir = () => join(workspaceRoot() ?? '.', 'forget-sets');

type DatasetRef = { spec?: string; trainSize?: number; valSize?: number };

/** Every label of one split, fetched in the engine's largest pages (2,000 points). */
async function splitLabels(host: EngineHost, dataset: DatasetRef, split: 'train' | 'validation'): Promise<number[]> {
  const out: number[] = [];
  let total = Infinity;
  for (let off = 0; off < total; off += 2000) {
    const page = await host.engine.request('datasetSamples', { dataset, split, offset: off, limit: 2000 });
    total = page.total;
    out.push(...page.labels);
  }
  return out;
}

/**
 * The newest datamodels stored for a dataset (any model), read from the store's manifests:
 * their β, one row per training point, is the matrix whose principal components give
 * coherent forget sets (SPEC §6).
 */
function latestDatamodelBeta(storeRoot: string | undefined, datasetId: string): string | undefined {
  const dir = storeRoot && join(storeRoot, 'datamodels');
  if (!dir || !existsSync(dir)) return undefined;
  let best: { createdAt: string; beta: string } | undefined;
  for (const key of readdirSync(dir)) {
    try {
      const m = JSON.parse(readFileSync(join(dir, key, 'manifest.json'), 'utf8')) as { createdAt?: string; dataset?: { id?: string } };
      const beta = join(dir, key, 'beta.npy');
      if (m.dataset?.id !== datasetId || !existsSync(beta)) continue;
      if (!best || (m.createdAt ?? '') > best.createdAt) best = { createdAt: m.createdAt ?? '', beta };
    } catch {
      // A manifest being written or damaged: not a usable datamodel.
    }
  }
  return best?.beta;
}

/** The forget-set panel on one experiment's dataset; a saved set joins the experiment. */
export function forgetSetSource(host: EngineHost, experimentUri: vscode.Uri, experiment: Experiment, onSaved: () => void): ForgetSetPanelData {
  const dataset = recipeOf(experiment).dataset;
  let labels: number[] | undefined;
  let beta: string | undefined;
  const savedSets = () => {
    const dir = forgetDir();
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.forget.json'))
      .flatMap((f) => {
        try {
          const s = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { name: string; indices: number[]; kind: string; createdAt: string };
          return [{ name: s.name, size: s.indices.length, kind: s.kind, createdAt: s.createdAt }];
        } catch {
          return [];
        }
      });
  };
  const generate = async (generator: z.input<typeof forgetGeneratorSchema>): Promise<number[]> => {
    const r = await host.engine.request('createForgetSet', { dataset, generator });
    return r.forgetSet.indices;
  };
  return {
    async load() {
      const first = await host.engine.request('datasetSamples', { dataset, offset: 0, limit: 1 });
      const all = await splitLabels(host, dataset, 'train');
      labels = all;
      beta = latestDatamodelBeta(host.storeRoot(), first.datasetId);
      const [H, W, C] = first.inputShape;
      return {
        dataset: { id: first.datasetId, name: first.name, total: first.total, shape: [H, W, C === 3 ? 3 : 1], classNames: first.classNames, labels: all },
        savedSets: savedSets(),
        hasDatamodels: beta !== undefined,
      };
    },
    async thumbnails(offset, count) {
      const r = await host.engine.request('datasetSamples', { dataset, offset, limit: Math.min(count, 2000) });
      return r.pixels ? Uint8Array.from(Buffer.from(r.pixels, 'base64')) : new Uint8Array(0);
    },
    async random(k, seed, classFilter) {
      if (classFilter === null) return generate({ kind: 'random', k, seed });
      const pool = (labels ?? []).flatMap((y, i) => (y === classFilter ? [i] : []));
      return Array.from(new Rng(seed).shuffle(pool).slice(0, Math.min(k, pool.length))).sort((a, b) => a - b);
    },
    wholeClass: (cls) => generate({ kind: 'class', class: cls }),
    nearest: (anchor, k) => generate({ kind: 'nearest-neighbours', anchor, k }),
    async principalComponent(component, k, side) {
      if (!beta) throw new Error('no datamodels for this dataset yet: run "Unlearn: Estimate Datamodels" first');
      return generate({ kind: 'principal-component', matrix: beta, component, k, side });
    },
    async save(name, indices) {
      const safe = name.trim().replace(/\s+/g, '-');
      const file = join(forgetDir(), `${safe}.forget.json`);
      await host.engine.request('createForgetSet', { dataset, name: safe, generator: { kind: 'manual', indices }, file });
      const rel = `forget-sets/${safe}.forget.json`;
      const doc = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(experimentUri))) as { forgetSets?: string[] };
      doc.forgetSets = [rel, ...(doc.forgetSets ?? []).filter((f) => f !== rel)];
      await writeJsonAtomic(fileSystemFor(experimentUri), experimentUri, doc);
      onSaved();
      return { path: file, sets: savedSets() };
    },
    async readSet(name) {
      const s = JSON.parse(readFileSync(join(forgetDir(), `${name}.forget.json`), 'utf8')) as { indices: number[] };
      return s.indices;
    },
  };
}

/** The run panel: every job the engine reports, with its progress. */
export function runSource(host: EngineHost, jobs: JobStore): RunPanelData {
  // Every job runs on the engine's one backend; it is known once TensorFlow.js has loaded.
  let backend = '';
  const learnBackend = async () => {
    if (backend) return;
    const info = await host.engine.request('engineInfo', { initBackend: false }).catch(() => undefined);
    backend = info?.backend?.name ?? '';
  };
  const wire = (j: JobInfo) => ({
    id: j.id,
    label: j.label,
    method: j.method,
    state: j.state,
    backend,
    phase: j.progress?.phase ?? j.state,
    fraction: j.state === 'done' ? 1 : (j.progress?.fraction ?? 0),
    // Progress is throttled, so the last report of a finished job may predate its last models.
    modelsDone: j.state === 'done' ? (j.progress?.modelsTotal ?? 0) : (j.progress?.modelsDone ?? 0),
    modelsTotal: j.progress?.modelsTotal ?? 0,
    etaSeconds: j.progress?.etaSeconds ?? null,
    startedAt: j.startedAt,
    error: j.error ? j.error.message : null,
    series: [],
  });
  const toRunEvent = (e: JobEvent): RunEvent => {
    if (e.type === 'added') {
      void learnBackend();
      return { type: 'jobAdded', job: wire(e.job) };
    }
    if (e.type === 'state') return { type: 'jobState', jobId: e.job.id, state: e.job.state, error: e.job.error ? e.job.error.message : null };
    const p = e.progress;
    return {
      type: 'progress',
      progress: {
        jobId: p.jobId,
        phase: p.phase,
        fraction: p.fraction,
        modelsDone: p.modelsDone ?? 0,
        modelsTotal: p.modelsTotal ?? 0,
        etaSeconds: p.etaSeconds,
        points: p.loss === null ? [] : [{ series: p.phase, x: p.step, y: p.loss }],
      },
    };
  };
  return {
    async load(): Promise<RunSnapshot> {
      await learnBackend();
      return { jobs: jobs.all().map(wire), trusted: vscode.workspace.isTrusted };
    },
    onEvent(listener) {
      return jobs.onDidChange((e) => listener(toRunEvent(e)));
    },
    async cancel(jobId) {
      await host.engine.request('cancel', { jobId });
    },
  };
}

/** The linear-study panel: runs in the engine, results kept for the next time it opens. */
export function linearSource(host: EngineHost): LinearPanelData {
  let last: { form: LinearForm; result: ReturnType<typeof linearResultToWire> | null } = { form: LINEAR_DEFAULTS, result: null };
  return {
    load: async () => last,
    async run(form, opts) {
      const store = host.storeRoot();
      if (!store) throw new Error('open a folder first: the study is stored in its .unlearn folder');
      const r = await host.engine.runJob('linearStudy', { store, settings: linearSettingsSchema.parse(linearSettingsFromForm(form)) }, {
        signal: opts.signal,
        onProgress: (p) => opts.onProgress(p.phase, p.step, p.total),
      });
      // The engine validated and wrote this study; its JSON is the LinearStudyResult it computed.
      const result = linearResultToWire(r.result as unknown as LinearStudyResult);
      last = { form, result };
      return result;
    },
    trusted: () => vscode.workspace.isTrusted,
  };
}

type CompareResultWire = JobResult<'compare'>;

/** The compare panel on one comparison; a row opens the per-point panel. */
export function compareSource(result: CompareResultWire, openPerPoint: (rowId: string) => Promise<void>): ComparePanelData {
  return { load: async () => compareSnapshotFromResult(result, `Cost vs KLoM — ${result.forgetSet}`), openPerPoint };
}

function float64ToFloat32(b64: string): Float32Array {
  const bytes = decodeBytes(b64);
  return Float32Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8));
}

function float32Of(b64: string): Float32Array {
  const bytes = decodeBytes(b64);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The per-point panel on one comparison: per-point KLoM of every row, margins on demand. */
export function perPointSource(host: EngineHost, store: string, result: CompareResultWire, dataset: DatasetRef): PerPointPanelData {
  const refs = [result.doNothing, result.noiseFloor, ...result.rows].map((r) => ({ id: r.id, method: r.method, budget: r.epochs, label: r.label, diverged: r.diverged }));
  const klomById = new Map<string, Float32Array>();
  let nTrain = 0;
  return {
    async load() {
      const methods = [];
      let forget: number[] = [];
      let retain: number[] = [];
      for (const r of refs) {
        const k = await host.engine.request('perPointKlom', { store, comparison: result.key, method: r.method, budget: r.budget });
        const klom = float64ToFloat32(k.klom);
        klomById.set(r.id, klom);
        nTrain = k.nTrain;
        forget = k.forget;
        if (retain.length === 0) {
          const split = decodeBytes(k.split);
          retain = Array.from(split.subarray(0, k.nTrain)).flatMap((c, i) => (c === 1 ? [i] : []));
        }
        methods.push({ id: r.id, label: r.label, klom, diverged: r.diverged });
      }
      const first = await host.engine.request('datasetSamples', { dataset, offset: 0, limit: 1 });
      const labels = [...(await splitLabels(host, dataset, 'train')), ...(await splitLabels(host, dataset, 'validation'))];
      return {
        provenance: provenanceOf(result),
        nTrain,
        nValidation: labels.length - nTrain,
        forget,
        retain,
        classNames: first.classNames,
        labels,
        methods,
      };
    },
    async point(index, methodIds) {
      const isTrain = index < nTrain;
      const sample = await host.engine.request('datasetSamples', { dataset, split: isTrain ? 'train' : 'validation', offset: isTrain ? index : index - nTrain, limit: 1 });
      const [H, W, C] = sample.inputShape;
      const margins = [];
      let split: 'forget' | 'retain' | 'validation' = isTrain ? 'retain' : 'validation';
      for (const id of methodIds) {
        const ref = refs.find((r) => r.id === id);
        if (!ref) continue;
        const m = await host.engine.request('pointMargins', { store, comparison: result.key, method: ref.method, budget: ref.budget, point: index });
        split = m.split;
        margins.push({ methodId: id, unlearned: float32Of(m.unlearned), oracle: float32Of(m.oracle) });
      }
      return {
        index,
        split,
        label: sample.labels[0],
        image: sample.pixels && (C === 1 || C === 3) ? { shape: [H, W, C === 3 ? 3 : 1] as [number, number, 1 | 3], pixels: decodeBytes(sample.pixels) } : null,
        klom: refs.map((r) => {
          const v = klomById.get(r.id)?.[index];
          return { methodId: r.id, value: v === undefined || !Number.isFinite(v) ? null : v };
        }),
        margins,
      };
    },
  };
}
