/**
 * Rate-limits progress notifications: the host redraws on each one, and a training loop can
 * report hundreds per second. The first report goes out at once, later ones at most every
 * `intervalMs`, and the latest value is never lost: it goes out when the interval ends or when
 * the job finishes (flush). A report that starts a new phase goes out at once (superseding any
 * still pending), so a short phase is never swallowed; a job has a handful of phases, so this
 * adds a few notifications at most.
 */
import type { Progress } from '../../protocol';

export class ProgressThrottle {
  private last = -Infinity;
  private lastPhase: string | undefined;
  private pending: Progress | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (p: Progress) => void,
  ) {}

  push(p: Progress): void {
    const now = performance.now();
    if (p.phase !== this.lastPhase) {
      // The newer report supersedes any still pending from the phase before.
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.emit(p, now);
      return;
    }
    if (now - this.last >= this.intervalMs) {
      this.emit(p, now);
      return;
    }
    this.pending = p;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.pending) this.emit(this.pending, performance.now());
    }, this.intervalMs - (now - this.last));
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) this.emit(this.pending, performance.now());
  }

  private emit(p: Progress, now: number): void {
    this.pending = undefined;
    this.last = now;
    this.lastPhase = p.phase;
    this.send(p);
  }
}
