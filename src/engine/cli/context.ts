/** What every subcommand needs from the global options: the backend, the store, the output mode. */
import { InvalidArgumentError, type Command } from 'commander';
import { initBackend, parseBackendRequest, type BackendInfo } from '../backend/select';
import { Store } from '../store/store';

export interface GlobalOptions {
  backend?: string;
  store: string;
  json?: boolean;
}

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

export async function backendFor(cmd: Command): Promise<BackendInfo> {
  const g = globals(cmd);
  return initBackend(parseBackendRequest(g.backend ?? process.env.UNLEARN_BACKEND));
}

export function storeFor(cmd: Command): Store {
  return new Store(globals(cmd).store);
}

/** Where results go: stdout, unless runCli was given another sink (tests, embedding). */
let sink: (text: string) => void = (text) => process.stdout.write(text);

export function setOutputSink(write: ((text: string) => void) | undefined): void {
  sink = write ?? ((text) => process.stdout.write(text));
}

export function writeOut(text: string): void {
  sink(text);
}

/** Writes the result as JSON (with --json) or as the human-readable text. */
export function output(cmd: Command, json: unknown, text: () => string): void {
  writeOut(globals(cmd).json ? JSON.stringify(json, null, 2) + '\n' : text());
}

export function parseIntOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`--${name} must be an integer, got "${v}"`);
    return n;
  };
}

export function parseNumberOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`--${name} must be a number, got "${v}"`);
    return n;
  };
}
