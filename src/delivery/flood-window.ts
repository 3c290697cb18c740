/**
 * A sliding-window counter as sent: at most `limit` sends in any `windowMs` (exclusive of the send
 * that left exactly `windowMs` ago). Telegram counts in windows we cannot see, on the far side of a
 * jittery network, so the gate keeps this stricter count on its own side: if no window of
 * `1000 + jitter` ms holds more than the limit as sent, no 1-second window holds more as it arrives.
 */
export interface SlidingWindow {
  readonly limit: number;
  windowMs: number;
  /** The earliest time (>= now) a send fits. */
  nextFree(now: number): number;
  record(at: number): void;
  /** Sends within the window ending now. */
  countAt(now: number): number;
  /** Changes the limit, keeping the most recent sends. */
  resize(limit: number): void;
}

export function createSlidingWindow(limit: number, initialWindowMs: number): SlidingWindow {
  let size = Math.max(1, Math.floor(limit));
  let windowMs = initialWindowMs;
  // A ring of the last `size` send times; `oldest` is the one that frees the next slot.
  let ring: number[] = [];
  let oldest = 0;

  const ordered = (): number[] =>
    ring.length < size ? [...ring] : [...ring.slice(oldest), ...ring.slice(0, oldest)];

  return {
    get limit() {
      return size;
    },
    get windowMs() {
      return windowMs;
    },
    set windowMs(next) {
      windowMs = next;
    },
    nextFree(now) {
      if (ring.length < size) return now;
      const freedAt = (ring[oldest] as number) + windowMs;
      return freedAt > now ? freedAt : now;
    },
    record(at) {
      if (ring.length < size) {
        ring.push(at);
        return;
      }
      ring[oldest] = at;
      oldest = (oldest + 1) % size;
    },
    countAt(now) {
      let n = 0;
      for (const at of ring) if (at > now - windowMs) n++;
      return n;
    },
    resize(next) {
      const nextSize = Math.max(1, Math.floor(next));
      if (nextSize === size) return;
      const kept = ordered().slice(-nextSize);
      size = nextSize;
      ring = kept;
      oldest = 0;
    },
  };
}
