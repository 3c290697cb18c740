import type { Sqlite } from "../db/client.js";
import type { Funnel } from "./model.js";

interface FunnelRow {
  status: string;
  stop_reason: string | null;
  last_step_sent: number;
  n: number;
  skipped: number;
  deferred: number;
  done: number;
}

/** Where a scenario's people are and how it ended for them, from its runs. */
export function createFunnel(sqlite: Sqlite): (scenarioId: string) => Funnel {
  // A run counts as completed once its aim is met, even if that happened after its last step.
  const query = sqlite.prepare(
    `SELECT r.status, r.stop_reason, r.last_step_sent, count(*) AS n,
       sum(r.skipped) AS skipped, sum(r.deferred) AS deferred,
       CASE WHEN r.stop_reason IN ('completed', 'submitted') THEN 1
            WHEN r.answer_id IS NOT NULL AND EXISTS (SELECT 1 FROM registrations g
              WHERE g.answer_id = r.answer_id AND g.completed_at IS NOT NULL) THEN 1
            WHEN r.answer_id IS NULL AND EXISTS (SELECT 1 FROM registrations g WHERE g.telegram_id = r.telegram_id) THEN 1
            ELSE 0 END AS done
     FROM scenario_runs r WHERE r.scenario_id = ? GROUP BY 1, 2, 3, 7`,
  );
  return (scenarioId) => {
    const funnel: Funnel = {
      enrolled: 0,
      active: 0,
      atStep: {},
      completedAfter: {},
      finished: 0,
      unsubscribed: 0,
      blocked: 0,
      ticketSent: 0,
      rejected: 0,
      skippedSteps: 0,
      deferredSteps: 0,
    };
    const add = (into: Record<number, number>, step: number, n: number) => {
      into[step] = (into[step] ?? 0) + n;
    };
    for (const row of query.all(scenarioId) as FunnelRow[]) {
      funnel.enrolled += row.n;
      funnel.skippedSteps += row.skipped;
      funnel.deferredSteps += row.deferred;
      if (row.status === "active") funnel.active += row.n;
      if (row.done === 1) add(funnel.completedAfter, row.last_step_sent, row.n);
      else if (row.status === "active") add(funnel.atStep, row.last_step_sent, row.n);
      else if (row.stop_reason === "blocked") funnel.blocked += row.n;
      else if (row.stop_reason === "unsubscribed") funnel.unsubscribed += row.n;
      else if (row.stop_reason === "ticket_sent") funnel.ticketSent += row.n;
      else if (row.stop_reason === "rejected") funnel.rejected += row.n;
      else funnel.finished += row.n;
    }
    return funnel;
  };
}
