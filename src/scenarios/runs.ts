import { createRecipientParams } from "../audience/recipient-params.js";
import type { QuietHours } from "../config.js";
import type { Sqlite } from "../db/client.js";
import type { Language, ScenarioTrigger } from "../db/schema.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import type { Params } from "../messages/render.js";
import { createOutboxWriter } from "../outbox/outbox.js";
import { TICKET_SENT } from "../outbox/tickets.js";
import type { ScenarioId } from "./definitions.js";
import type { RunReport, Step } from "./model.js";
import { renderStep } from "./render-step.js";
import type { ScenarioStore } from "./store.js";
import { catchUp, dueAt, outsideQuietHours, type PersonRow, stopReason } from "./timing.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Due runs handled per transaction, and the time one tick may take before leaving the rest to the next. */
const BATCH = 1000;
const TICK_BUDGET_MS = 2000;

export interface RunRow {
  id: number;
  scenario_id: ScenarioId;
  telegram_id: number;
  answer_id: string | null;
  next_step: number;
  next_due_at: number;
  last_step_sent: number;
  last_sent_at: number | null;
  triggered_at: number;
}

export interface RunSettings {
  quietHours: QuietHours | null;
  timezone: string;
  dailyCap: number;
  liveUrl: string | null;
  formLinkFor(telegramId: number): string | null;
}

/** Statements of the per-person scenarios, prepared once: a tick may handle thousands of runs. */
function prepareRunStatements(sqlite: Sqlite) {
  return {
    enrolBound: sqlite.prepare(
      `INSERT INTO scenario_runs (scenario_id, telegram_id, answer_id, next_step, next_due_at, triggered_at, updated_at)
       SELECT @scenario, telegram_id, answer_id, 1, bound_at + @firstDelay, bound_at, @now FROM registrations
       WHERE bound_at > @since AND bound_at <= @until AND telegram_id IS NOT NULL
       ORDER BY bound_at
       ON CONFLICT DO NOTHING`,
    ),
    // One binding, at the moment it happens (the sweep above finds it again and does nothing).
    enrolAnswer: sqlite.prepare(
      `INSERT INTO scenario_runs (scenario_id, telegram_id, answer_id, next_step, next_due_at, triggered_at, updated_at)
       SELECT @scenario, telegram_id, answer_id, 1, bound_at + @firstDelay, bound_at, @now FROM registrations
       WHERE answer_id = @answer AND telegram_id = @telegram AND bound_at IS NOT NULL
       ON CONFLICT DO NOTHING
       RETURNING id, scenario_id, telegram_id, answer_id, next_step, next_due_at, last_step_sent, last_sent_at, triggered_at`,
    ),
    enrolSubscribed: sqlite.prepare(
      `INSERT INTO scenario_runs (scenario_id, telegram_id, answer_id, next_step, next_due_at, triggered_at, updated_at)
       SELECT @scenario, telegram_id, NULL, 1, first_seen_at + @firstDelay, first_seen_at, @now FROM subscribers s
       WHERE first_seen_at > @since AND first_seen_at <= @until
         AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.telegram_id = s.telegram_id)
       ON CONFLICT DO NOTHING`,
    ),
    markEnrolled: sqlite.prepare("UPDATE scenarios SET enrolled_until = ? WHERE id = ?"),
    due: sqlite.prepare(
      `SELECT id, scenario_id, telegram_id, answer_id, next_step, next_due_at, last_step_sent, last_sent_at, triggered_at
       FROM scenario_runs WHERE status = 'active' AND next_due_at <= ? AND scenario_id IN (SELECT value FROM json_each(?))
       ORDER BY next_due_at LIMIT ?`,
    ),
    person: sqlite.prepare(
      `SELECT s.status AS status, s.language AS language,
         (SELECT completed_at IS NOT NULL FROM registrations WHERE answer_id = @answer) AS completed,
         (SELECT moderation FROM registrations WHERE answer_id = @answer) AS moderation,
         EXISTS (SELECT 1 FROM registrations WHERE answer_id = @answer AND ${TICKET_SENT}) AS ticket_sent,
         EXISTS (SELECT 1 FROM registrations WHERE telegram_id = @telegram) AS has_answer
       FROM subscribers s WHERE s.telegram_id = @telegram`,
    ),
    recent: sqlite.prepare(
      `SELECT count(*) AS n, min(coalesce(sent_at, created_at)) AS oldest FROM deliveries
       WHERE telegram_id = ? AND status IN ('pending', 'sending', 'sent') AND coalesce(sent_at, created_at) > ?
         AND (broadcast_id IS NOT NULL OR (job_key >= 'scenario:' AND job_key < 'scenario;'))`,
    ),
    stop: sqlite.prepare(
      "UPDATE scenario_runs SET status = 'stopped', stop_reason = ?, skipped = skipped + ?, updated_at = ? WHERE id = ?",
    ),
    defer: sqlite.prepare(
      "UPDATE scenario_runs SET next_step = ?, next_due_at = ?, skipped = skipped + ?, deferred = deferred + 1, updated_at = ? WHERE id = ?",
    ),
    advance: sqlite.prepare(
      `UPDATE scenario_runs SET next_step = @next, next_due_at = @due, status = @status, skipped = skipped + @skipped,
         last_step_sent = @sentStep, last_sent_at = @sentAt, updated_at = @now WHERE id = @id`,
    ),
  };
}

type RunStatements = ReturnType<typeof prepareRunStatements>;

/** One due run: stop it, skip what is stale, defer it (quiet hours, daily cap), or send its step. */
function createRunHandler(sqlite: Sqlite, sql: RunStatements, settings: RunSettings) {
  const paramsOf = createRecipientParams(sqlite);
  // Prepared once: a tick may queue thousands.
  const outbox = createOutboxWriter(sqlite);
  const morningAfter = (now: number) => outsideQuietHours(now, settings.quietHours, settings.timezone);

  function handle(run: RunRow, trigger: ScenarioTrigger, steps: Step[], now: number, report: RunReport) {
    const person = sql.person.get({ answer: run.answer_id ?? "", telegram: run.telegram_id }) as
      | PersonRow
      | undefined;
    const reason = stopReason(trigger, person);
    if (reason) {
      sql.stop.run(reason, 0, now, run.id);
      report.stopped++;
      return;
    }
    const { index, step, skipped, due } = catchUp(run, steps, now);
    report.skipped += skipped;
    if (!step || due === null) {
      sql.advance.run({
        id: run.id,
        next: run.next_step + skipped,
        due: null,
        status: "finished",
        skipped,
        sentStep: run.last_step_sent,
        sentAt: run.last_sent_at,
        now,
      });
      report.finished++;
      return;
    }
    if (due > now) {
      // Everything before it was stale; this one is not due yet.
      sql.defer.run(step.position, due, skipped, now, run.id);
      return;
    }
    const morning = morningAfter(now);
    if (morning > now) {
      sql.defer.run(step.position, morning, skipped, now, run.id);
      report.deferred++;
      return;
    }
    if (settings.dailyCap > 0) {
      const recent = sql.recent.get(run.telegram_id, now - DAY_MS) as { n: number; oldest: number | null };
      if (recent.n >= settings.dailyCap && recent.oldest !== null) {
        sql.defer.run(step.position, morningAfter(recent.oldest + DAY_MS), skipped, now, run.id);
        report.deferred++;
        return;
      }
    }
    send(run, step, (person?.language as Language | undefined) ?? DEFAULT_LANGUAGE, now);
    const next = steps[index + 1];
    sql.advance.run({
      id: run.id,
      next: step.position + 1,
      due: next ? dueAt(next, run, now) : null,
      status: next ? "active" : "finished",
      skipped,
      sentStep: step.position,
      sentAt: now,
      now,
    });
    report.sent++;
    if (!next) report.finished++;
  }

  function send(run: RunRow, step: Step, language: Language, now: number) {
    const params: Params = {
      ...paramsOf(run.telegram_id),
      form_url: settings.formLinkFor(run.telegram_id) ?? "",
      live_url: settings.liveUrl ?? "",
    };
    outbox.enqueue(
      {
        jobKey: `scenario:${run.scenario_id}:${run.id}:${step.position}`,
        telegramId: run.telegram_id,
        lane: "transactional",
        message: renderStep(step, language, params),
      },
      now,
    );
  }

  return handle;
}

/**
 * Runs: chains of steps per person, indexed by when the next step is due, so a tick reads only what
 * is due. Sends go through the outbox's transactional lane, one delivery per (run, step), so a step
 * can never reach someone twice.
 */
export function createRuns(sqlite: Sqlite, store: ScenarioStore, settings: RunSettings) {
  const sql = prepareRunStatements(sqlite);
  const handle = createRunHandler(sqlite, sql, settings);

  function enrol(now: number, report: RunReport) {
    for (const scenario of store.enabled()) {
      if (scenario.trigger === "event") continue;
      const first = store.steps(scenario.id)[0];
      if (!first) continue;
      const statement = scenario.trigger === "bound" ? sql.enrolBound : sql.enrolSubscribed;
      sqlite.transaction(() => {
        report.enrolled += statement.run({
          scenario: scenario.id,
          firstDelay: first.delayMinutes * 60_000,
          since: scenario.enrolledUntil,
          // Up to the millisecond before: a trigger stamped with this very millisecond after the sweep
          // would otherwise fall between this sweep and the next.
          until: now - 1,
          now,
        }).changes;
        sql.markEnrolled.run(now - 1, scenario.id);
      })();
    }
  }

  /**
   * One binding just made (inside the caller's transaction): enrols it in the enabled scenarios that a
   * binding triggers and handles the step due at once (the welcome) as a tick would, with the same
   * quiet hours, daily cap and one delivery per (run, step). A person already in a scenario (a second
   * answer) is left to the ticks, as the sweep leaves them.
   */
  function enrolBinding(binding: { answerId: string; telegramId: number; now: number }, report: RunReport) {
    const { answerId, telegramId, now } = binding;
    for (const scenario of store.enabled()) {
      if (scenario.trigger !== "bound") continue;
      const steps = store.steps(scenario.id);
      const first = steps[0];
      if (!first) continue;
      const run = sql.enrolAnswer.get({
        scenario: scenario.id,
        firstDelay: first.delayMinutes * 60_000,
        answer: answerId,
        telegram: telegramId,
        now,
      }) as RunRow | undefined;
      if (!run) continue;
      report.enrolled++;
      // A first step with a delay is the ticks' business; handling it here would count it as deferred.
      if (run.next_due_at <= now) handle(run, scenario.trigger, steps, now, report);
    }
  }

  /** Every due run of the enabled per-person scenarios, in batches, until done or the tick started at `started` runs out of time. */
  function sendDue(now: number, report: RunReport, started: number) {
    const enabled = store.enabled().filter((s) => s.trigger !== "event");
    if (enabled.length === 0) return;
    const definitions = new Map(enabled.map((s) => [s.id, { trigger: s.trigger, steps: store.steps(s.id) }]));
    const ids = JSON.stringify(enabled.map((s) => s.id));
    for (;;) {
      const batch = sql.due.all(now, ids, BATCH) as RunRow[];
      if (batch.length === 0) break;
      sqlite.transaction(() => {
        for (const run of batch) {
          const definition = definitions.get(run.scenario_id);
          if (definition) handle(run, definition.trigger, definition.steps, now, report);
        }
      })();
      if (batch.length < BATCH) break;
      if (Date.now() - started > TICK_BUDGET_MS) {
        report.left = (sql.due.all(now, ids, BATCH) as RunRow[]).length;
        break;
      }
    }
  }

  return { enrol, enrolBinding, sendDue };
}
