import type { Command } from 'commander';
import * as compare from './compare';
import * as datasets from './datasets';
import * as ensemble from './ensemble';
import * as evaluate from './eval';
import * as forgetSet from './forget-set';
import * as info from './info';
import * as linear from './linear';
import * as train from './train';

/** Every subcommand module exports `register(program)`; the order is the order of `--help`. */
const modules: Array<{ register: (program: Command) => void }> = [datasets, train, forgetSet, ensemble, evaluate, compare, linear, info];

export function registerCommands(program: Command): void {
  for (const m of modules) m.register(program);
}
