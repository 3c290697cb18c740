import { audienceFilter, parseAudienceRule } from "../audience/segments.js";
import type { Sqlite, Statement } from "../db/client.js";
import { prepareBroadcastAudienceInsert } from "../outbox/outbox.js";
import type { Broadcast } from "./broadcasts.js";

/** Subscribers added to a broadcast's outbox per step: the engine keeps sending between steps. */
export const MATERIALISE_BATCH = 2000;

interface AudienceStatements {
  batchEnd: Statement;
  insert: Statement;
}

/**
 * A running broadcast's audience goes into the outbox in batches, in subscriber order, with its cursor
 * and total stored in the same transaction: a restart goes on from the cursor.
 */
export function createAudienceBatches(sqlite: Sqlite) {
  const advance = sqlite.prepare(
    "UPDATE broadcasts SET audience_cursor = ?, total = total + ?, audience_complete = ? WHERE id = ?",
  );
  /** Statements prepared once per audience rule. */
  const byRule = new Map<string, AudienceStatements>();
  function statementsFor(row: Broadcast) {
    const { where, params } = audienceFilter(parseAudienceRule(row.audience));
    let statements = byRule.get(where);
    if (!statements) {
      statements = {
        batchEnd: sqlite.prepare(
          `SELECT max(telegram_id) AS last, count(*) AS n FROM (
             SELECT telegram_id FROM subscribers WHERE ${where} AND telegram_id > @cursor
             ORDER BY telegram_id LIMIT @limit)`,
        ),
        insert: prepareBroadcastAudienceInsert(sqlite, where),
      };
      byRule.set(where, statements);
    }
    return { ...statements, params };
  }

  /** Adds the next batch of `row`'s audience and updates `row` (cursor, total, complete) to match. */
  function materialise(row: Broadcast, now: number): void {
    const audience = statementsFor(row);
    sqlite.transaction(() => {
      const window = { ...audience.params, cursor: row.audienceCursor, limit: MATERIALISE_BATCH };
      const batch = audience.batchEnd.get(window) as { last: number | null; n: number };
      if (batch.n > 0) audience.insert.run({ ...window, id: row.id, now });
      const complete = batch.n < MATERIALISE_BATCH;
      advance.run(batch.last ?? row.audienceCursor, batch.n, complete ? 1 : 0, row.id);
      row.audienceCursor = batch.last ?? row.audienceCursor;
      row.total += batch.n;
      row.audienceComplete = complete;
    })();
  }

  return { materialise };
}
