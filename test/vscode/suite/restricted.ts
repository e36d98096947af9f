/** In a restricted (untrusted) workspace: the extension still activates and shows, but trains nothing. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activated, storeEntries, workspaceDir, type Case } from './harness';

const NOT_RESTRICTED = 'this VS Code opened the test workspace as trusted, so there is no restricted mode to test';

export const restrictedCases: Case[] = [
  {
    name: 'the extension activates in a restricted workspace (limited support)',
    async fn() {
      if (vscode.workspace.isTrusted) return { skipped: NOT_RESTRICTED };
      const ext = await activated();
      assert.equal(ext.isActive, true);
    },
  },
  {
    name: 'training commands refuse: Train Originals and Train Model store nothing',
    async fn() {
      if (vscode.workspace.isTrusted) return { skipped: NOT_RESTRICTED };
      await activated();
      const experiment = { version: 1, name: 'restricted', preset: 'quick', dataset: { trainSize: 1000, valSize: 1000 }, model: { kind: 'mlp', hidden: [64] }, n: 2, forgetSets: [], methods: ['gd'] };
      writeFileSync(join(workspaceDir(), 'restricted.experiment.json'), JSON.stringify(experiment, null, 2));
      for (const command of ['unlearn.trainOriginals', 'unlearn.trainModel']) {
        // Their `enablement` hides them from menus; run directly, the handlers refuse as well.
        await vscode.commands.executeCommand(command).then(undefined, () => undefined);
      }
      assert.deepEqual(storeEntries('ensembles'), { complete: [], temporary: [] });
      assert.deepEqual(storeEntries('models'), { complete: [], temporary: [] });
    },
  },
];
