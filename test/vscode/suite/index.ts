/**
 * Entry of the @vscode/test-electron suite (test/vscode/run.mjs loads the bundle of this file
 * as --extensionTestsPath). The runner opens two windows, a trusted and a restricted workspace,
 * and says which one this is in UNLEARN_VSCODE_SUITE.
 */
import { runCases } from './harness';
import { restrictedCases } from './restricted';
import { trustedCases } from './trusted';

export async function run(): Promise<void> {
  const kind = process.env.UNLEARN_VSCODE_SUITE;
  if (kind === 'trusted') return runCases('trusted workspace', trustedCases);
  if (kind === 'restricted') return runCases('restricted workspace', restrictedCases);
  throw new Error(`UNLEARN_VSCODE_SUITE is "${kind ?? ''}": run the suite with \`npm run test:vscode\``);
}
