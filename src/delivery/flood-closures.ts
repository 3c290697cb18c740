import type { Sqlite } from "../db/client.js";
import type { Logger } from "../logger.js";

/** A scope the gate closed after a 429, and until when (clock ms). */
export interface FloodClosure {
  scope: string;
  closedUntil: number;
}

/** Where the gate keeps its closed scopes, so a restart inside a retry_after waits it out too. */
export interface FloodClosureStore {
  /** Closures still in force at `now` (older rows are deleted). */
  load(now: number): FloodClosure[];
  /** Noted now, written with the others of this turn of the event loop in one transaction. */
  save(closure: FloodClosure): void;
  /** Writes what is noted and not written yet (the gate closes). */
  flush(): void;
}

/** Expired rows are deleted at most this often (a chat that drew a 429 keeps its row until then). */
const PRUNE_EVERY_MS = 60_000;
const ERROR_LOG_EVERY_MS = 60_000;

/**
 * The store on Herald's SQLite file (the flood_closures table), a row per scope. A 429 storm at
 * 1000/s answers hundreds of calls in a second: their closures are gathered and written once per
 * turn of the event loop, and a closure the table already covers is not written again.
 */
export function createFloodClosureStore(
  sqlite: Sqlite,
  options: { now?: () => number; logger?: Logger } = {},
): FloodClosureStore {
  const now = options.now ?? Date.now;
  const prune = sqlite.prepare("DELETE FROM flood_closures WHERE closed_until <= ?");
  const select = sqlite.prepare("SELECT scope, closed_until AS closedUntil FROM flood_closures");
  const upsert = sqlite.prepare(
    `INSERT INTO flood_closures (scope, closed_until) VALUES (?, ?)
     ON CONFLICT (scope) DO UPDATE SET closed_until = max(closed_until, excluded.closed_until)`,
  );
  const pending = new Map<string, number>();
  /** What the table holds, as far as this process wrote it. */
  const stored = new Map<string, number>();
  let flushQueued = false;
  let lastPrune = 0;
  let lastErrorLog = Number.NEGATIVE_INFINITY;

  const write = sqlite.transaction((rows: Array<[string, number]>, at: number) => {
    for (const [scope, until] of rows) upsert.run(scope, until);
    if (at - lastPrune >= PRUNE_EVERY_MS) {
      prune.run(at);
      lastPrune = at;
      for (const [scope, until] of stored) if (until <= at) stored.delete(scope);
    }
  });

  const flush = (): void => {
    flushQueued = false;
    if (pending.size === 0) return;
    const rows = [...pending];
    pending.clear();
    try {
      write(rows, now());
      for (const [scope, until] of rows) stored.set(scope, Math.max(stored.get(scope) ?? 0, until));
    } catch (error) {
      // The closures still hold in memory; only a restart within them would not know.
      const at = now();
      if (at - lastErrorLog < ERROR_LOG_EVERY_MS) return;
      lastErrorLog = at;
      options.logger?.error({ err: error }, "flood gate: could not store closed scopes");
    }
  };

  return {
    load(at) {
      flush();
      prune.run(at);
      return select.all() as FloodClosure[];
    },
    save({ scope, closedUntil }) {
      const until = Math.ceil(closedUntil);
      if ((stored.get(scope) ?? 0) >= until || (pending.get(scope) ?? 0) >= until) return;
      pending.set(scope, until);
      if (flushQueued) return;
      flushQueued = true;
      setImmediate(flush);
    },
    flush,
  };
}
