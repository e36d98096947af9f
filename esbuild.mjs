// Three bundles, one per runtime (DESIGN.md): the extension host, the engine (child process
// and the `unlearn` CLI share it), and the webview panels. Native and wasm-loading packages
// stay external or are copied beside the bundle so they resolve their own files at run time.
import * as esbuild from 'esbuild';
import { mkdirSync, existsSync, copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outdir = 'dist';
mkdirSync(outdir, { recursive: true });

// TensorFlow.js is bundled (so the .vsix needs no node_modules), from its ES modules: then
// tfjs-core, its gradients and both backends are one copy. Only tfjs-node, optional and
// native, is resolved at run time; the wasm backend's .wasm binaries are copied beside the
// bundle, where it looks for them.
const engineExternal = ['@tensorflow/tfjs-node', 'vscode'];

function copyWasmBinaries() {
  const dir = join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(dir, f), join(outdir, f));
}

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
      ...(existsSync('bench/peer.ts') ? { 'bench-peer': 'bench/peer.ts' } : {}),
    },
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: engineExternal,
    outdir,
  },
  // --- webview: one bundle per panel (dist/webview/<panel>.js + .css); the panels' HTML loads
  // only from dist/webview (localResourceRoots), so the codicon font is copied in beside them.
  {
    ...common,
    entryPoints: Object.fromEntries(
      ['forget-set', 'run', 'compare', 'per-point', 'linear'].filter((p) => existsSync(`webview/${p}/main.ts`)).map((p) => [p, `webview/${p}/main.ts`]),
    ),
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
    outdir: join(outdir, 'webview'),
    plugins: [
      {
        name: 'copy-codicons',
        setup(build) {
          build.onEnd(async () => {
            const { copyFileSync } = await import('node:fs');
            const to = join(outdir, 'webview', 'codicons');
            mkdirSync(to, { recursive: true });
            for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(join('node_modules', '@vscode', 'codicons', 'dist', f), join(to, f));
          });
        },
      },
    ],
  },
  // --- end webview
].filter((b) => Object.keys(b.entryPoints).length > 0);

copyWasmBinaries();
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
