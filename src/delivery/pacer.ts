/**
 * When the next message may go out: Telegram's limits as arithmetic on an injected clock, so the
 * engine sleeps exactly as long as needed and tests run on fake time.
 *
 * - A bulk rate with a small burst, kept as a "theoretical arrival time" (GCRA): each reservation
 *   moves it one interval on; a reservation may be early by at most `burst - 1` intervals.
 * - At most one message per `perChatIntervalMs` to one chat.
 * - One shared gate: a 429 closes *all* sending until its retry_after has passed.
 */
export interface PacerOptions {
  /** Messages per second; 0 means no rate limit (the engine's own ceiling). */
  ratePerSecond: number;
  /** How many messages may go back to back after a pause. */
  burst?: number;
  perChatIntervalMs?: number;
}

export interface Pacer {
  /** Reserves a slot for a message to this chat and returns the time (ms) it may be sent. */
  reserve(chatId: number, now: number): number;
  /** Telegram said 429: nothing goes out before now + retryAfterMs. */
  close(retryAfterMs: number, now: number): void;
  readonly closedUntil: number;
  setRate(ratePerSecond: number): void;
  readonly ratePerSecond: number;
}

const CHAT_MAP_PRUNE_SIZE = 50_000;

export function createPacer(options: PacerOptions): Pacer {
  let rate = options.ratePerSecond;
  let interval = rate > 0 ? 1000 / rate : 0;
  const burst = Math.max(1, options.burst ?? 1);
  const perChat = options.perChatIntervalMs ?? 1000;
  let tat = Number.NEGATIVE_INFINITY;
  let closedUntil = 0;
  const chatReadyAt = new Map<number, number>();

  const prune = (now: number) => {
    for (const [chat, at] of chatReadyAt) if (at <= now) chatReadyAt.delete(chat);
  };

  return {
    reserve(chatId, now) {
      const earliestByRate = interval > 0 ? tat - (burst - 1) * interval : now;
      const slot = Math.max(now, earliestByRate, closedUntil, chatReadyAt.get(chatId) ?? now);
      if (interval > 0) tat = Math.max(tat, slot) + interval;
      if (perChat > 0) {
        if (chatReadyAt.size >= CHAT_MAP_PRUNE_SIZE) prune(now);
        chatReadyAt.set(chatId, slot + perChat);
      }
      return slot;
    },
    close(retryAfterMs, now) {
      closedUntil = Math.max(closedUntil, now + retryAfterMs);
      // After the gate opens, start from an empty bucket rather than a burst: the server just said "too much".
      if (interval > 0) tat = Math.max(tat, closedUntil + (burst - 1) * interval);
    },
    get closedUntil() {
      return closedUntil;
    },
    setRate(next) {
      rate = next;
      interval = next > 0 ? 1000 / next : 0;
    },
    get ratePerSecond() {
      return rate;
    },
  };
}
