import type Database from "better-sqlite3";

/** A scope the gate closed after a 429, and until when (clock ms). */
export interface FloodClosure {
  scope: string;
  closedUntil: number;
}

/** Where the gate keeps its closed scopes, so a restart inside a retry_after waits it out too. */
export interface FloodClosureStore {
  /** Closures still in force at `now` (older rows are deleted). */
  load(now: number): FloodClosure[];
  save(closure: FloodClosure): void;
}

/** The store on Herald's SQLite file (the flood_closures table): a row per scope, written only on a 429. */
export function createFloodClosureStore(sqlite: Database.Database): FloodClosureStore {
  const prune = sqlite.prepare("DELETE FROM flood_closures WHERE closed_until <= ?");
  const select = sqlite.prepare("SELECT scope, closed_until AS closedUntil FROM flood_closures");
  const upsert = sqlite.prepare(
    `INSERT INTO flood_closures (scope, closed_until) VALUES (?, ?)
     ON CONFLICT (scope) DO UPDATE SET closed_until = max(closed_until, excluded.closed_until)`,
  );
  return {
    load(now) {
      prune.run(now);
      return select.all() as FloodClosure[];
    },
    save({ scope, closedUntil }) {
      upsert.run(scope, Math.ceil(closedUntil));
    },
  };
}
