// Builds the .vsix from a clean production build: dist/ is rebuilt without source maps and
// packaged with vsce (no node_modules: the bundles carry their dependencies).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

const out = process.argv[2] ?? 'dist-vsix/unlearning-workbench.vsix';
rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['esbuild.mjs', '--production'], { stdio: 'inherit' });
mkdirSync('dist-vsix', { recursive: true });
execFileSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], { stdio: 'inherit' });
