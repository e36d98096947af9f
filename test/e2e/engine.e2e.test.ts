import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { notification, openWorkbench, runCommand, screenshot, type Workbench } from './harness';

let wb: Workbench;

before(async () => {
  wb = await openWorkbench('engine');
});

after(async () => {
  await wb?.close();
});

test('the engine starts in a child process and reports its backend', async () => {
  await runCommand(wb.page, 'Unlearn: Show Engine Backend');
  const text = await notification(wb.page, /backend/i);
  await screenshot(wb.page, 'engine-backend');
  assert.match(text, /wasm|tensorflow|cpu/);
});

test('Train Model trains on the embedded data with progress and stores the result in the workspace', async () => {
  await runCommand(wb.page, 'Unlearn: Train Model');
  const text = await notification(wb.page, /train accuracy|reused the stored model/i, 300_000);
  await screenshot(wb.page, 'train-model');
  assert.match(text, /validation/);
  const models = join(wb.workspace, '.unlearn', 'models');
  assert.ok(existsSync(models), 'no .unlearn/models in the workspace');
  const [key] = readdirSync(models).filter((k) => !k.startsWith('.'));
  assert.ok(existsSync(join(models, key, 'margins.npy')));
});
