/**
 * The `unlearn` command line: the same engine as the extension's child process, run in-process.
 * Each subcommand lives in its own module under ./commands and registers itself here.
 */
import { Command, CommanderError } from 'commander';
import { isUnlearnError } from '../errors';
import { log } from '../log';
import { registerCommands } from './commands';
import { EXIT } from './exit-codes';
import { setOutputSink } from './context';

/** Runs one command line; results go to `stdout` (a function) or to process.stdout. */
export async function runCli(argv: string[], io: { stdout?: (text: string) => void } = {}): Promise<number> {
  setOutputSink(io.stdout);
  const program = new Command();
  program
    .name('unlearn')
    .description('Unlearning Workbench: train ensembles, mark forget sets, run unlearners and score them with KLoM.')
    .option('--backend <name>', 'TensorFlow.js backend: auto | tensorflow | wasm | cpu (env UNLEARN_BACKEND)')
    .option('--store <dir>', 'result store folder', '.unlearn')
    .option('--json', 'print machine-readable JSON on stdout instead of tables')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isUnlearnError(e)) {
      process.stderr.write(`unlearn: ${e.message}\n`);
      return e.code === 'cancelled' ? EXIT.cancelled : e.code === 'bad-config' ? EXIT.usage : EXIT.dataError;
    }
    log.error(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.internal;
  }
}

// Run directly (`node dist/cli.js`); bin/unlearn.js calls runCli itself.
if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
