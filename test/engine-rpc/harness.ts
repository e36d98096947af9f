/**
 * Shared by the engine-rpc tests: they drive the REAL engine bundle (dist/engine.js) as a child
 * process through the host's client, each with its own temporary store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeNpy } from '../../src/engine/store/npy';
import { EngineClient, type EngineClientOptions } from '../../src/extension/engine/client';
import type { Logger } from '../../src/extension/engine/logger';

export const ENGINE = resolve(__dirname, '../../dist/engine.js');

export function requireEngineBundle(): void {
  if (!existsSync(ENGINE)) {
    throw new Error(`${ENGINE} is missing: these tests run the built engine. Run \`npm run build\` first (\`npm test\` does it).`);
  }
}

export class MemoryLogger implements Logger {
  readonly lines: Array<{ level: string; message: string }> = [];
  debug = (m: string) => void this.lines.push({ level: 'debug', message: m });
  info = (m: string) => void this.lines.push({ level: 'info', message: m });
  warn = (m: string) => void this.lines.push({ level: 'warn', message: m });
  error = (m: string) => void this.lines.push({ level: 'error', message: m });
  has(text: string): boolean {
    return this.lines.some((l) => l.message.includes(text));
  }
  /** Everything logged, for assertion messages. */
  dump(): string {
    return this.lines.map((l) => `${l.level}: ${l.message}`).join('\n');
  }
}

const temps: string[] = [];

export function tempDir(prefix = 'unlearn-rpc-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function startClient(opts: Partial<EngineClientOptions> = {}): { client: EngineClient; logger: MemoryLogger } {
  requireEngineBundle();
  const logger = new MemoryLogger();
  // One process trains: the ensemble worker pool (tested with its own module) would fork extra
  // TensorFlow.js processes per ensemble, which on 2 cores costs more than the RPC tests themselves.
  const env = { UNLEARN_WORKERS: '1', ...opts.env };
  const client = new EngineClient({ enginePath: ENGINE, logger, restartDelayMs: 50, ...opts, env });
  return { client, logger };
}

/** The tiny recipe every training test uses: 200/100 points of the embedded data, MLP 784-16-10. */
export const TINY = {
  dataset: { trainSize: 200, valSize: 100 },
  model: { kind: 'mlp' as const, hidden: [16] },
  config: { lr: 0.05, batchSize: 32, epochs: 2 },
};

/** A recipe long enough to catch mid-run (hundreds of small steps); tests cancel or kill it. */
export const LONG = {
  dataset: { trainSize: 400, valSize: 100 },
  model: { kind: 'mlp' as const, hidden: [16] },
  config: { lr: 0.05, batchSize: 8, epochs: 40 },
};

/**
 * Checks the store's promise: every artifact folder a reader would see is whole (manifest present
 * and every array it lists decodes with the listed shape). Returns the artifacts and the
 * leftover temporary folders (names starting with "."), which readers never see.
 */
export function inspectStore(root: string): { artifacts: string[]; temporaries: string[] } {
  const artifacts: string[] = [];
  const temporaries: string[] = [];
  if (!existsSync(root)) return { artifacts, temporaries };
  for (const kind of readdirSync(root)) {
    const kd = join(root, kind);
    if (!statSync(kd).isDirectory()) continue;
    for (const name of readdirSync(kd)) {
      if (name.startsWith('.')) {
        temporaries.push(`${kind}/${name}`);
        continue;
      }
      const dir = join(kd, name);
      const manifestFile = join(dir, 'manifest.json');
      assert.ok(existsSync(manifestFile), `${kind}/${name} is visible to readers but has no manifest.json`);
      const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { arrays?: Record<string, { shape: number[] }> };
      for (const [file, meta] of Object.entries(manifest.arrays ?? {})) {
        const a = decodeNpy(readFileSync(join(dir, file)), join(dir, file));
        assert.deepEqual(a.shape, meta.shape, `${kind}/${name}/${file} has shape ${a.shape}, manifest says ${meta.shape}`);
      }
      artifacts.push(`${kind}/${name}`);
    }
  }
  return { artifacts, temporaries };
}

export async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<Error & { code: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { code: string };
    assert.equal(err.code, code, `expected error code ${code}, got ${err.code}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected a rejection with code ${code}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
