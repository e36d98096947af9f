/** In a trusted workspace: the extension activates, contributes its commands, and runs a tiny experiment. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activated, storeEntries, waitFor, workspaceDir, type Case } from './harness';

interface ContributedCommand {
  command: string;
}

function experimentFiles(): string[] {
  return readdirSync(workspaceDir()).filter((f) => f.endsWith('.experiment.json'));
}

export const trustedCases: Case[] = [
  {
    name: 'the extension activates in a trusted workspace',
    async fn() {
      assert.equal(vscode.workspace.isTrusted, true);
      const ext = await activated();
      assert.equal(ext.isActive, true);
    },
  },
  {
    name: 'every command in package.json is registered',
    async fn() {
      const ext = await activated();
      const contributed = (ext.packageJSON as { contributes: { commands: ContributedCommand[] } }).contributes.commands.map((c) => c.command);
      assert.ok(contributed.length >= 15, `only ${contributed.length} commands contributed`);
      const registered = new Set(await vscode.commands.getCommands(true));
      const missing = contributed.filter((c) => !registered.has(c));
      assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    },
  },
  {
    name: 'New Experiment, answered with its defaults, writes the experiment file and a random forget set',
    async fn() {
      await activated();
      // The command asks five questions (dataset, model, N, forget set, name). Nothing in the
      // API answers a quick pick, so the workbench's own "accept" command answers each with its
      // default as it appears, until the file is written.
      const done = vscode.commands.executeCommand('unlearn.newExperiment');
      await waitFor(() => experimentFiles().length > 0, 120_000, () => 'New Experiment wrote no *.experiment.json', () => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem'));
      await done;
      const [file] = experimentFiles();
      const e = JSON.parse(readFileSync(join(workspaceDir(), file), 'utf8')) as { n: number; model: { kind: string }; forgetSets: string[] };
      assert.equal(e.model.kind, 'mlp');
      assert.equal(e.n, 100);
      assert.equal(e.forgetSets.length, 1);
      const set = JSON.parse(readFileSync(join(workspaceDir(), e.forgetSets[0]), 'utf8')) as { indices: number[] };
      assert.equal(set.indices.length, 100);
      assert.equal(new Set(set.indices).size, 100, 'distinct indices');
    },
  },
  {
    name: 'Train Originals on a tiny configuration (N = 2) stores a complete ensemble',
    async fn() {
      const [file] = experimentFiles();
      assert.ok(file, 'the New Experiment case wrote no experiment');
      const path = join(workspaceDir(), file);
      const e = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      writeFileSync(path, JSON.stringify({ ...e, n: 2, train: { epochs: 2 } }, null, 2));
      // The command resolves when its job has finished (or failed, which it reports in a message).
      await vscode.commands.executeCommand('unlearn.trainOriginals');
      const ensembles = storeEntries('ensembles');
      assert.equal(ensembles.complete.length, 1, `ensembles: ${ensembles.complete.join(', ')}`);
      assert.deepEqual(ensembles.temporary, []);
      const m = JSON.parse(readFileSync(join(workspaceDir(), '.unlearn', 'ensembles', ensembles.complete[0], 'manifest.json'), 'utf8')) as { seeds?: unknown[] };
      assert.equal(m.seeds?.length, 2);
      assert.ok(existsSync(join(workspaceDir(), '.unlearn', 'ensembles', ensembles.complete[0], 'margins.npy')));
    },
  },
];
