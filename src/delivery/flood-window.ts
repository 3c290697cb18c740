/**
 * A sliding-window counter as sent: at most `limit` sends in any `windowMs` (exclusive of the send
 * that left exactly `windowMs` ago). Telegram counts in windows we cannot see, on the far side of a
 * jittery network, so the gate keeps this stricter count on its own side: if no window of
 * `1000 + jitter` ms holds more than the limit as sent, no 1-second window holds more as it arrives.
 *
 * A class, not a closure: a broadcast makes one for each recipient's chat, thousands a second at
 * the paid rate, and each should cost an object and a short array, not a set of functions.
 */
export class SlidingWindow {
  /** The last `limit` send times, oldest at `oldest` once the ring is full. */
  private ring: number[] = [];
  private oldest = 0;
  private size: number;

  constructor(
    limit: number,
    public windowMs: number,
  ) {
    this.size = Math.max(1, Math.floor(limit));
  }

  get limit(): number {
    return this.size;
  }

  /** The earliest time (>= now) a send fits. */
  nextFree(now: number): number {
    if (this.ring.length < this.size) return now;
    const freedAt = (this.ring[this.oldest] as number) + this.windowMs;
    return freedAt > now ? freedAt : now;
  }

  record(at: number): void {
    if (this.ring.length < this.size) {
      this.ring.push(at);
      return;
    }
    this.ring[this.oldest] = at;
    this.oldest = (this.oldest + 1) % this.size;
  }

  /** Sends within the window ending now. */
  countAt(now: number): number {
    let n = 0;
    for (const at of this.ring) if (at > now - this.windowMs) n++;
    return n;
  }

  /** Changes the limit, keeping the most recent sends. */
  resize(limit: number): void {
    const next = Math.max(1, Math.floor(limit));
    if (next === this.size) return;
    const ordered =
      this.ring.length < this.size
        ? [...this.ring]
        : [...this.ring.slice(this.oldest), ...this.ring.slice(0, this.oldest)];
    this.ring = ordered.slice(-next);
    this.oldest = 0;
    this.size = next;
  }
}

export function createSlidingWindow(limit: number, windowMs: number): SlidingWindow {
  return new SlidingWindow(limit, windowMs);
}
