/**
 * Rate-limits progress notifications: the host redraws on each one, and a training loop can
 * report hundreds per second. The first report goes out at once, later ones at most every
 * `intervalMs`, and the latest value is never lost: it goes out when the interval ends or when
 * the job finishes (flush).
 */
import type { Progress } from '../../protocol';

export class ProgressThrottle {
  private last = -Infinity;
  private pending: Progress | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (p: Progress) => void,
  ) {}

  push(p: Progress): void {
    const now = performance.now();
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
    this.send(p);
  }
}
