/**
 * Picks the TensorFlow.js backend: native TensorFlow (tfjs-node) when it loads, else wasm with
 * our training kernels registered, else cpu with a loud warning. `UNLEARN_BACKEND` or the
 * `unlearn.backend` setting forces one; a forced backend that cannot load is an error, never a
 * silent fallback.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself (the @tensorflow/tfjs umbrella would).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// …nor the chained tensor methods (t.reshape(), t.sum(), …) that engine code may call.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
// A named import: the package marks itself side-effect free, and a bare import would be dropped.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { UnlearnError } from '../errors';
import { log } from '../log';
import { registerNativeTrainingKernels } from './native-kernels';
import { registerWasmTrainingKernels } from './wasm-kernels';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | 'auto';

export interface BackendInfo {
  name: BackendName;
  tfjsVersion: string;
  /** Why this backend was chosen, for logs and manifests. */
  reason: string;
  /**
   * The backend as it enters store keys: results differ between backends in the last float32
   * bits, and so do tfjs-node's with and without oneDNN kernels ("tensorflow+onednn").
   */
  key: string;
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

export function parseBackendRequest(value: string | undefined): BackendRequest {
  const v = (value ?? 'auto').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'node' || v === 'tfjs-node') return 'tensorflow';
  if ((BACKENDS as readonly string[]).includes(v)) return v as BackendName;
  throw new UnlearnError('bad-config', `unknown backend "${value}": use auto, tensorflow, wasm or cpu`);
}

/**
 * TensorFlow reads this once, when tfjs-node loads it. oneDNN's kernels make the batched matMuls
 * of an ensemble step about twice as fast here (docs/training.md); the TensorFlow build tfjs-node
 * uses leaves them off. A value the user set is kept (`TF_ENABLE_ONEDNN_OPTS=0` turns them off).
 */
const NATIVE_ENV_DEFAULTS: Record<string, string> = { TF_ENABLE_ONEDNN_OPTS: '1' };

/** Whether TensorFlow runs oneDNN kernels, read the way TensorFlow reads its variable. */
function oneDnnOn(): boolean {
  return /^(1|true)$/i.test(process.env.TF_ENABLE_ONEDNN_OPTS ?? '');
}

/** Loads tfjs-node if it is installed and its native binding works; never throws. */
function tryLoadNative(): string | undefined {
  const warn = console.warn;
  for (const [name, value] of Object.entries(NATIVE_ENV_DEFAULTS)) process.env[name] ??= value;
  try {
    // tfjs-node brings its own copy of the cpu backend and gradients, and re-registering them
    // prints one warning per kernel; they are expected, so they are kept out of the log.
    console.warn = () => {};
    // Resolved at run time: tfjs-node is an optional, native dependency outside the bundle.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    if (!tf.findBackendFactory('tensorflow')) return 'tfjs-node loaded but registered no backend';
    registerNativeTrainingKernels();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  } finally {
    console.warn = warn;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'wasm') registerWasmTrainingKernels();
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/**
 * Initialises the backend once per process. Later calls return the same choice; asking for a
 * different one afterwards is an error, since tensors cannot move between backends mid-run.
 */
export function initBackend(request: BackendRequest = parseBackendRequest(process.env.UNLEARN_BACKEND)): Promise<BackendInfo> {
  if (current && (request === 'auto' || request === current.name)) return Promise.resolve(current);
  if (current) {
    return Promise.reject(new UnlearnError('backend', `backend already initialised as ${current.name}; cannot switch to ${request}`));
  }
  pending ??= choose(request).then((info) => {
    current = info;
    log.info(`TensorFlow.js ${info.tfjsVersion}, backend ${info.name} (${info.reason})`);
    return info;
  });
  return pending.finally(() => {
    pending = undefined;
  });
}

async function choose(request: BackendRequest): Promise<BackendInfo> {
  const make = (name: BackendName, reason: string): BackendInfo => ({ name, tfjsVersion: name === 'cpu' ? `${tf.version_core} (cpu ${version_cpu})` : tf.version_core, reason, key: name === 'tensorflow' && oneDnnOn() ? 'tensorflow+onednn' : name });
  if (request === 'tensorflow') {
    const err = tryLoadNative();
    if (err !== undefined || !(await activate('tensorflow'))) {
      throw new UnlearnError('backend', `the tensorflow backend was requested but @tensorflow/tfjs-node does not load: ${err ?? 'setBackend failed'}`);
    }
    return make('tensorflow', 'requested');
  }
  if (request === 'wasm' || request === 'cpu') {
    if (!(await activate(request))) throw new UnlearnError('backend', `the ${request} backend was requested but failed to initialise`);
    if (request === 'cpu') log.warn('backend cpu was requested: it is correct but very slow; use wasm or tensorflow for real work');
    return make(request, 'requested');
  }
  const nativeErr = tryLoadNative();
  if (nativeErr === undefined && (await activate('tensorflow'))) return make('tensorflow', 'auto: tfjs-node loaded');
  if (await activate('wasm')) return make('wasm', `auto: tfjs-node unavailable (${nativeErr ?? 'failed to initialise'})`);
  log.warn('!!! neither tfjs-node nor wasm could start: falling back to the pure-JS cpu backend, which is 20-50x slower !!!');
  if (await activate('cpu')) return make('cpu', 'auto: last resort');
  throw new UnlearnError('backend', 'no TensorFlow.js backend could be initialised');
}

export function currentBackend(): BackendInfo | undefined {
  return current;
}
