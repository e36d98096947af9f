/**
 * The engine's logger. It writes to stderr only: stdout belongs to the CLI's results, and the
 * child process talks to the host over IPC, whose log channel shows the engine's stderr.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold: LogLevel = (process.env.UNLEARN_LOG_LEVEL as LogLevel | undefined) ?? 'info';

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

function emit(level: LogLevel, message: string): void {
  if (order[level] < order[threshold]) return;
  process.stderr.write(`[${level}] ${message}\n`);
}

export const log = {
  debug: (m: string) => emit('debug', m),
  info: (m: string) => emit('info', m),
  warn: (m: string) => emit('warn', m),
  error: (m: string) => emit('error', m),
};
