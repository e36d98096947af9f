// Three bundles, one per runtime (DESIGN.md): the extension host, the engine (child process
// and the `unlearn` CLI share it), and the webview panels. Native and wasm-loading packages
// stay external or are copied beside the bundle so they resolve their own files at run time.
import * as esbuild from 'esbuild';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outdir = 'dist';
mkdirSync(outdir, { recursive: true });

// TensorFlow.js stays in node_modules, resolved at run time: tfjs-node is optional and native,
// the wasm backend reads its .wasm binaries from its own folder, and tfjs-node brings its own
// copy of the cpu backend, which must be the same module as ours or it registers twice.
const engineExternal = ['@tensorflow/*', 'vscode'];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    outdir,
  },
  {
    ...common,
    entryPoints: {
      engine: 'src/engine/main.ts',
      cli: 'src/engine/cli/main.ts',
      worker: 'src/engine/parallel/worker.ts',
      ...(existsSync('bench/throughput.ts') ? { 'bench-throughput': 'bench/throughput.ts' } : {}),
    },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: engineExternal,
    outdir,
  },
  {
    ...common,
    entryPoints: existsSync('webview/main.ts') ? { webview: 'webview/main.ts' } : {},
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    outdir: join(outdir, 'webview'),
  },
].filter((b) => Object.keys(b.entryPoints).length > 0);

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
