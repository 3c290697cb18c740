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

  /**
   * The earliest time (>= now) a send fits, with `held` of the limit taken by calls counted apart
   * (sent before the window but not answered yet: they may still be on their way). When they take it
   * all, the answer of one of them frees a place: a window from now is only when to look again.
   */
  nextFree(now: number, held = 0): number {
    const allowed = this.size - held;
    if (allowed <= 0) return now + this.windowMs;
    if (this.ring.length < allowed) return now;
    // The allowed-th most recent send must have left the window.
    const full = this.ring.length === this.size;
    const index = full ? (this.oldest + held) % this.size : this.ring.length - allowed;
    const freedAt = (this.ring[index] as number) + this.windowMs;
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

interface Unanswered {
  sentAt: number;
  answered: boolean;
  /** Counted in `held`: sent before the window's start and still without an answer. */
  late: boolean;
}

/**
 * The calls of a rate lane on the wire, in send order. A call sent before the window that still has
 * no answer may not have reached Telegram yet (a lost packet, a slow route): Telegram counts it when
 * it arrives, in a later second than ours. So it keeps its place in the count until its answer comes;
 * and a call answered far later than usual counts again from its answer (it arrived at the latest
 * then, maybe after its place as sent had left the window).
 */
export class UnansweredCalls {
  private entries: Unanswered[] = [];
  /** Entries before this one have been compared with the window's start. */
  private cursor = 0;
  private held = 0;

  /** Entries kept (bounded by about one window of sends, however long a call hangs). */
  get tracked(): number {
    return this.entries.length;
  }

  add(sentAt: number): Unanswered {
    const entry: Unanswered = { sentAt, answered: false, late: false };
    this.entries.push(entry);
    return entry;
  }

  /**
   * The call's answer came (or it was cut off). True if it was out longer than `slowMs`: it may
   * have arrived just now, so the caller counts it in the window from now on.
   */
  answer(entry: Unanswered, now: number, slowMs: number): boolean {
    if (entry.answered) return false;
    entry.answered = true;
    if (entry.late) this.held--;
    this.compact();
    return entry.late || now - entry.sentAt >= slowMs;
  }

  /** Calls sent at or before `windowStart` (send times increase) that have no answer yet. */
  heldBefore(windowStart: number): number {
    const { entries } = this;
    while (this.cursor < entries.length) {
      const entry = entries[this.cursor] as Unanswered;
      if (entry.sentAt > windowStart) break;
      if (!entry.answered) {
        entry.late = true;
        this.held++;
      }
      this.cursor++;
    }
    this.compact();
    return this.held;
  }

  /** Entries the cursor has passed are not needed here: `held` counts the late ones, their callers hold them. */
  private compact(): void {
    if (this.cursor > 1024 && this.cursor * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.cursor);
      this.cursor = 0;
    }
  }
}
