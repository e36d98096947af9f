/**
 * Where the engine client writes: the VS Code adapter sends it to a log output channel, tests
 * collect it in memory. Kept to plain functions so the client runs without `vscode`.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Splits a byte stream into lines (a chunk may end mid-line), calling `line` for each. */
export function lineSplitter(line: (text: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split(/\r?\n/);
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.length > 0) line(p);
    },
    end() {
      if (rest.length > 0) line(rest);
      rest = '';
    },
  };
}

/**
 * Routes one line of engine output to the logger at the level the engine's logger gave it
 * (`[warn] …`); anything else (a dependency's print, native TensorFlow chatter) is info.
 */
export function logEngineLine(logger: Logger, stream: 'stdout' | 'stderr', text: string): void {
  const m = /^\[(debug|info|warn|error)\] (.*)$/s.exec(text);
  if (m) logger[m[1] as keyof Logger](`engine: ${m[2]}`);
  else logger.info(`engine ${stream}: ${text}`);
}
