/** The engine client's Logger on a VS Code log output channel. */
import type * as vscode from 'vscode';
import type { Logger } from './logger';

export function outputChannelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    debug: (m) => channel.debug(m),
    info: (m) => channel.info(m),
    warn: (m) => channel.warn(m),
    error: (m) => channel.error(m),
  };
}
