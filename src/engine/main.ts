/** The engine child process (JSON-RPC over the fork's IPC channel): see issue 6. */
import { log } from './log';

log.info('engine started');
