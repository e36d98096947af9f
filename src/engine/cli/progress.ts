/**
 * Progress for long CLI work: a live bar on a terminal (stderr, so stdout stays clean for
 * results and --json), a line every few seconds otherwise (CI logs, pipes).
 */
import { SingleBar } from 'cli-progress';
import type { TrainProgress } from '../train/trainer';
import { log } from '../log';

export interface ProgressReporter {
  update(p: TrainProgress): void;
  stop(): void;
}

export function trainingProgress(label: string): ProgressReporter {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {percentage}% | step {value}/{total} | loss {loss} | {rate} ex/s | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true },
    );
    let started = false;
    return {
      update(p) {
        const payload = { loss: Number.isFinite(p.loss) ? p.loss.toFixed(4) : '—', rate: Math.round(p.examplesPerSecond) };
        if (!started) {
          bar.start(p.totalSteps, p.step, payload);
          started = true;
        } else bar.update(p.step, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 5000 && p.step < p.totalSteps) return;
      last = now;
      const loss = Number.isFinite(p.loss) ? p.loss.toFixed(4) : '—';
      log.info(`${label}: step ${p.step}/${p.totalSteps}, epoch ${p.epoch + 1}/${p.epochs}, loss ${loss}, ${Math.round(p.examplesPerSecond)} ex/s, ETA ${Math.round(p.etaSeconds)} s`);
    },
    stop() {},
  };
}

/** An AbortSignal that fires on the first Ctrl-C; a second Ctrl-C exits at once. */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onInt = () => {
    if (ac.signal.aborted) process.exit(130);
    log.warn('interrupted: stopping after the current step (Ctrl-C again to quit now)');
    ac.abort();
  };
  process.on('SIGINT', onInt);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onInt) };
}
