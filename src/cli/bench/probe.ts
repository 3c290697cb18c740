import type { ChatRecord, Sandbox } from "../../sandbox/index.js";

export interface ProbeSummary {
  /** Probes sent inside the measured window. */
  count: number;
  /** Of those, how many got no reply before the probe was read; they count with the time waited so far. */
  unanswered: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface Probe {
  /** Starts sending /start round robin from the probe users. */
  start(): void;
  stopSending(): void;
  /** Waits until every probe has its reply, or `timeoutMs` passed. */
  settle(timeoutMs: number): Promise<void>;
  /** Latencies of the probes sent in [from, to] (ms since the epoch); unanswered ones count up to now. */
  summary(from: number, to: number): ProbeSummary;
  dispose(): void;
}

interface Sent {
  at: number;
  answeredAt?: number;
}

/**
 * Simulated users who keep sending /start while a broadcast runs; the latency of each is the time
 * from `userStarts` to the bot's reply being stored by the sandbox. Replies are matched per chat in
 * order (a bot answers each /start once), through one "message" listener for all probe chats.
 */
export function createProbe(
  sandbox: Sandbox,
  opts: { botId: number; botToken: string; userIds: readonly number[]; perSecond: number },
): Probe {
  const pending = new Map<number, Sent[]>(opts.userIds.map((id) => [id, []]));
  const all: Sent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let next = 0;
  const waiters = new Set<() => void>();

  const onMessage = (rec: ChatRecord): void => {
    if (rec.from_id !== opts.botId) return;
    const queue = pending.get(rec.chat_id);
    const sent = queue?.shift();
    if (!sent) return;
    sent.answeredAt = Date.now();
    if (waiters.size > 0 && all.every((s) => s.answeredAt !== undefined)) {
      for (const wake of [...waiters]) wake();
    }
  };
  sandbox.events.on("message", onMessage);

  const send = (): void => {
    const userId = opts.userIds[next++ % opts.userIds.length];
    if (userId === undefined) return;
    const sent: Sent = { at: Date.now() };
    pending.get(userId)?.push(sent);
    all.push(sent);
    sandbox.userStarts(userId, undefined, { botToken: opts.botToken });
  };

  const stopSending = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };

  return {
    start() {
      if (timer || opts.userIds.length === 0) return;
      send();
      timer = setInterval(send, Math.max(1, Math.round(1000 / opts.perSecond)));
    },
    stopSending,
    settle(timeoutMs) {
      if (all.every((s) => s.answeredAt !== undefined)) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, timeoutMs);
        waiters.add(done);
      });
    },
    summary(from, to) {
      const now = Date.now();
      const inWindow = all.filter((s) => s.at >= from && s.at <= to);
      const latencies = inWindow.map((s) => (s.answeredAt ?? now) - s.at).sort((a, b) => a - b);
      return {
        count: inWindow.length,
        unanswered: inWindow.filter((s) => s.answeredAt === undefined).length,
        p50Ms: percentile(latencies, 0.5),
        p95Ms: percentile(latencies, 0.95),
        maxMs: latencies.at(-1) ?? null,
      };
    },
    dispose() {
      stopSending();
      sandbox.events.off("message", onMessage);
      for (const wake of [...waiters]) wake();
    },
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? null;
}
