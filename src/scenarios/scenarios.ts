import { and, asc, eq } from "drizzle-orm";
import { createRecipientParams } from "../audience/recipient-params.js";
import type { Clock } from "../clock.js";
import type { QuietHours } from "../config.js";
import type { HeraldDatabase } from "../db/client.js";
import {
  type Language,
  type ScenarioTrigger,
  type StepAnchor,
  scenarioSteps,
  scenarios,
} from "../db/schema.js";
import type { Broadcasts } from "../delivery/broadcasts.js";
import { isQuietTime, localMinutes } from "../delivery/time-rules.js";
import { DomainError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ButtonTemplate } from "../messages/content.js";
import { escapeHtml } from "../messages/html.js";
import type { OutgoingMessage } from "../messages/outgoing.js";
import { type Params, renderHtml, renderText, renderUrl } from "../messages/render.js";
import { createOutboxWriter } from "../outbox/outbox.js";
import { DEFAULT_SCENARIOS, type ScenarioId } from "./definitions.js";

/** A step overdue by more than this is stale: after downtime it is skipped rather than sent late. */
export const STALE_AFTER_MS = 12 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Delays in minutes: up to 60 days after; event steps up to 30 days before the start. */
export const MAX_DELAY = 60 * 24 * 60;
export const MIN_EVENT_DELAY = -30 * 24 * 60;
/** Due runs handled per transaction, and the time one tick may take before leaving the rest to the next. */
const BATCH = 1000;
const TICK_BUDGET_MS = 2000;
/** How long the last event reminder ("we are live") keeps going out after its moment. */
const LAST_EVENT_STEP_MS = 2 * 60 * 60 * 1000;

export interface Step {
  position: number;
  delayMinutes: number;
  anchor: StepAnchor;
  text: Record<Language, string>;
  buttons: Partial<Record<Language, ButtonTemplate[][]>>;
  broadcastId: number | null;
  skippedAt: number | null;
}

export interface ScenarioView {
  id: string;
  trigger: ScenarioTrigger;
  enabled: boolean;
  steps: Step[];
  funnel: Funnel;
}

/** Where people are in a scenario and how it ended for them. */
export interface Funnel {
  enrolled: number;
  active: number;
  /** By the position of the last step sent (0: none yet): people still going, and those who completed after it. */
  atStep: Record<number, number>;
  completedAfter: Record<number, number>;
  /** Reached the end without completing. */
  finished: number;
  unsubscribed: number;
  blocked: number;
  /** Stopped because their ticket was sent (approved before completing). */
  ticketSent: number;
  skippedSteps: number;
  deferredSteps: number;
}

export interface RunReport {
  enrolled: number;
  sent: number;
  stopped: number;
  skipped: number;
  deferred: number;
  finished: number;
  broadcasts: number;
  /** Due runs left for the next tick (the time budget ran out). */
  left: number;
}

export class ScenarioError extends DomainError {
  override readonly name = "ScenarioError";
  constructor(
    readonly code: "scenario_not_found" | "step_not_found" | "step_invalid" | "step_out_of_order",
    message: string,
  ) {
    super(message);
  }
}

export interface Scenarios {
  /** Writes the built-in scenarios the first time (organisers' edits are kept afterwards). */
  install(): void;
  /** Enrols new triggers and turns due steps into deliveries; called by cron every minute. */
  runDue(now: number): RunReport;
  list(): ScenarioView[];
  get(id: string): ScenarioView;
  setEnabled(id: string, enabled: boolean): void;
  editStep(
    id: string,
    position: number,
    change: { language?: Language; text?: string; delayMinutes?: number },
  ): Step;
}

interface RunRow {
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

/**
 * Reminder scenarios: chains of steps per person (runs), indexed by when the next step is due, so a
 * tick reads only what is due. Sends go through the outbox's transactional lane, one delivery per
 * (run, step), so a step can never reach someone twice; event reminders go out as broadcasts.
 */
export function createScenarios(deps: {
  database: HeraldDatabase;
  clock: Clock;
  logger: Logger;
  quietHours: QuietHours | null;
  timezone: string;
  dailyCap: number;
  formUrl: string | null;
  eventStartsAt: number | null;
  liveUrl: string | null;
  /** The form link with a signed reference to this person, for the "invited" scenario. */
  formLinkFor(telegramId: number): string | null;
  broadcasts: Broadcasts;
  onQueued?: () => void;
}): Scenarios {
  const { db, sqlite } = deps.database;
  const logger = deps.logger.child({ part: "scenarios" });
  const paramsOf = createRecipientParams(sqlite);
  // Prepared once: a tick may queue thousands.
  const outbox = createOutboxWriter(sqlite);

  const sql = {
    enrolBound: sqlite.prepare(
      `INSERT INTO scenario_runs (scenario_id, telegram_id, answer_id, next_step, next_due_at, triggered_at, updated_at)
       SELECT @scenario, telegram_id, answer_id, 1, bound_at + @firstDelay, bound_at, @now FROM registrations
       WHERE bound_at > @since AND bound_at <= @until AND telegram_id IS NOT NULL
       ORDER BY bound_at
       ON CONFLICT DO NOTHING`,
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
    // `+status` keeps SQLite on the (job_key, telegram_id) index: by status it would scan every sent row.
    person: sqlite.prepare(
      `SELECT s.status AS status, s.language AS language,
         (SELECT completed_at IS NOT NULL FROM registrations WHERE answer_id = @answer) AS completed,
         EXISTS (SELECT 1 FROM deliveries WHERE job_key >= 'ticket:' || @answer || ':'
                 AND job_key < 'ticket:' || @answer || ';' AND +status = 'sent') AS ticket_sent,
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
    // A run counts as completed once its aim is met, even if that happened after its last step.
    funnel: sqlite.prepare(
      `SELECT r.status, r.stop_reason, r.last_step_sent, count(*) AS n,
         sum(r.skipped) AS skipped, sum(r.deferred) AS deferred,
         CASE WHEN r.stop_reason IN ('completed', 'submitted') THEN 1
              WHEN r.answer_id IS NOT NULL AND EXISTS (SELECT 1 FROM registrations g
                WHERE g.answer_id = r.answer_id AND g.completed_at IS NOT NULL) THEN 1
              WHEN r.answer_id IS NULL AND EXISTS (SELECT 1 FROM registrations g WHERE g.telegram_id = r.telegram_id) THEN 1
              ELSE 0 END AS done
       FROM scenario_runs r WHERE r.scenario_id = ? GROUP BY 1, 2, 3, 7`,
    ),
    retime: sqlite.prepare(
      `UPDATE scenario_runs SET next_due_at = CASE @anchor WHEN 'previous' THEN coalesce(last_sent_at, triggered_at) + @delay
         ELSE triggered_at + @delay END, updated_at = @now
       WHERE scenario_id = @scenario AND status = 'active' AND next_step = @position`,
    ),
  };

  function loadSteps(id: string): Step[] {
    return db
      .select()
      .from(scenarioSteps)
      .where(eq(scenarioSteps.scenarioId, id))
      .orderBy(asc(scenarioSteps.position))
      .all()
      .map((row) => ({
        position: row.position,
        delayMinutes: row.delayMinutes,
        anchor: row.anchor,
        text: { ru: row.textRu, en: row.textEn },
        buttons: JSON.parse(row.buttons) as Step["buttons"],
        broadcastId: row.broadcastId,
        skippedAt: row.skippedAt,
      }));
  }

  function loadScenario(id: string) {
    const row = db.select().from(scenarios).where(eq(scenarios.id, id)).get();
    if (!row) throw new ScenarioError("scenario_not_found", `there is no scenario "${id}"`);
    return { ...row, steps: loadSteps(id) };
  }

  /** When a step falls due for a run, given when the previous step went (or would have gone). */
  function dueAt(step: Step, run: { triggered_at: number }, previousAt: number): number {
    const delay = step.delayMinutes * 60_000;
    if (step.anchor === "previous") return previousAt + delay;
    return run.triggered_at + delay;
  }

  /** The first moment after `now` outside quiet hours (the morning), or `now` if it is not quiet. */
  function outsideQuietHours(now: number): number {
    if (!isQuietTime(now, deps.quietHours, deps.timezone) || !deps.quietHours) return now;
    const minutes = localMinutes(now, deps.timezone);
    const wait = (deps.quietHours.end - minutes + 24 * 60) % (24 * 60);
    return now - (now % 60_000) + wait * 60_000;
  }

  function stopReason(trigger: ScenarioTrigger, person: Record<string, number | string | null> | undefined) {
    if (!person) return "unsubscribed";
    if (person.status === "blocked") return "blocked";
    if (person.status === "unsubscribed") return "unsubscribed";
    if (trigger === "bound") {
      if (person.completed === 1) return "completed";
      if (person.ticket_sent === 1) return "ticket_sent";
    }
    if (trigger === "subscribed" && person.has_answer === 1) return "submitted";
    return null;
  }

  function render(step: Step, language: Language, params: Params): OutgoingMessage {
    const buttons = (step.buttons[language] ?? step.buttons.ru ?? [])
      .map((row) =>
        row
          .map((b) => ({ text: renderText(b.text, params), url: renderUrl(b.url, params) }))
          .filter((b) => b.text !== "" && b.url !== ""),
      )
      .filter((row) => row.length > 0);
    return {
      html: renderHtml(step.text[language] ?? step.text.ru, params),
      ...(buttons.length > 0 ? { buttons } : {}),
    };
  }

  function enrol(now: number, report: RunReport) {
    for (const scenario of db.select().from(scenarios).where(eq(scenarios.enabled, true)).all()) {
      if (scenario.trigger === "event") continue;
      const first = loadSteps(scenario.id)[0];
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

  /** One due run: stop it, skip what is stale, defer it (quiet hours, daily cap), or send its step. */
  function handle(run: RunRow, trigger: ScenarioTrigger, steps: Step[], now: number, report: RunReport) {
    const person = sql.person.get({ answer: run.answer_id ?? "", telegram: run.telegram_id }) as
      | Record<string, number | string | null>
      | undefined;
    const reason = stopReason(trigger, person);
    if (reason) {
      sql.stop.run(reason, 0, now, run.id);
      report.stopped++;
      return;
    }
    // Catch up after downtime: a step whose successor is due too, or that is long overdue, is skipped.
    let index = steps.findIndex((s) => s.position === run.next_step);
    let previousAt = run.last_sent_at ?? run.triggered_at;
    let skipped = 0;
    while (index >= 0 && index < steps.length) {
      const step = steps[index] as Step;
      // A step moved on purpose (quiet hours, the daily cap) is late from its new time, not its first.
      const due =
        skipped === 0
          ? Math.max(dueAt(step, run, previousAt), run.next_due_at)
          : dueAt(step, run, previousAt);
      const next = steps[index + 1];
      const superseded = next !== undefined && dueAt(next, run, due) <= now;
      if (!superseded && now - due <= STALE_AFTER_MS) break;
      skipped++;
      previousAt = due;
      index++;
    }
    report.skipped += skipped;
    const step = index >= 0 ? steps[index] : undefined;
    if (!step) {
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
    const due =
      skipped === 0 ? Math.max(dueAt(step, run, previousAt), run.next_due_at) : dueAt(step, run, previousAt);
    if (due > now) {
      // Everything before it was stale; this one is not due yet.
      sql.defer.run(step.position, due, skipped, now, run.id);
      return;
    }
    const morning = outsideQuietHours(now);
    if (morning > now) {
      sql.defer.run(step.position, morning, skipped, now, run.id);
      report.deferred++;
      return;
    }
    if (deps.dailyCap > 0) {
      const recent = sql.recent.get(run.telegram_id, now - DAY_MS) as { n: number; oldest: number | null };
      if (recent.n >= deps.dailyCap && recent.oldest !== null) {
        sql.defer.run(step.position, outsideQuietHours(recent.oldest + DAY_MS), skipped, now, run.id);
        report.deferred++;
        return;
      }
    }
    const language = (person?.language as Language | undefined) ?? "ru";
    const params: Params = {
      ...paramsOf(run.telegram_id),
      form_url: deps.formLinkFor(run.telegram_id) ?? "",
      live_url: deps.liveUrl ?? "",
    };
    outbox.enqueue(
      {
        jobKey: `scenario:${run.scenario_id}:${run.id}:${step.position}`,
        telegramId: run.telegram_id,
        lane: "transactional",
        message: render(step, language, params),
      },
      now,
    );
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

  /** Event reminders: each step once, as a broadcast to every active subscriber, unless it went stale. */
  function runEventSteps(now: number, report: RunReport) {
    const scenario = db.select().from(scenarios).where(eq(scenarios.id, "event")).get();
    if (!scenario?.enabled || deps.eventStartsAt === null) return;
    const steps = loadSteps("event");
    for (const [index, step] of steps.entries()) {
      if (step.broadcastId !== null || step.skippedAt !== null) continue;
      const due = deps.eventStartsAt + step.delayMinutes * 60_000;
      if (due > now) continue;
      const next = steps[index + 1];
      const nextDue = next ? deps.eventStartsAt + next.delayMinutes * 60_000 : Number.POSITIVE_INFINITY;
      const values = { skippedAt: now, updatedAt: now };
      if (nextDue <= now || now - due > STALE_AFTER_MS) {
        db.update(scenarioSteps)
          .set(values)
          .where(and(eq(scenarioSteps.scenarioId, "event"), eq(scenarioSteps.position, step.position)))
          .run();
        report.skipped++;
        logger.info({ step: step.position }, "event reminder skipped: its moment has passed");
        continue;
      }
      // Other parameters ({answer_id}, {ticket_url}…) stay for the engine to fill per recipient.
      const live = (html: string) => html.replaceAll("{live_url}", escapeHtml(deps.liveUrl ?? ""));
      const broadcast = deps.broadcasts.create({
        title: `event reminder ${step.position}`,
        content: {
          kind: "text",
          html: live(step.text.ru),
          buttons: withLiveUrl(step.buttons.ru ?? []),
          localized: { en: { html: live(step.text.en), buttons: withLiveUrl(step.buttons.en ?? []) } },
        },
        // "We are live" cannot wait for the morning; the day-before and hour-before ones can.
        urgent: step.delayMinutes >= 0,
        // A reminder still going out when the next one is due is too late to be useful: it expires.
        deadline: Number.isFinite(nextDue) ? nextDue : due + LAST_EVENT_STEP_MS,
      });
      // The step remembers its broadcast in the launch's own transaction: a crash in between would
      // otherwise launch the same reminder again at the next tick.
      deps.broadcasts.launch(broadcast.id, {
        alongside: () => {
          db.update(scenarioSteps)
            .set({ broadcastId: broadcast.id, updatedAt: now })
            .where(and(eq(scenarioSteps.scenarioId, "event"), eq(scenarioSteps.position, step.position)))
            .run();
        },
      });
      report.broadcasts++;
      logger.info({ step: step.position, broadcast: broadcast.id }, "event reminder launched");
    }
  }

  function withLiveUrl(rows: ButtonTemplate[][]): ButtonTemplate[][] {
    return rows
      .map((row) => row.map((b) => ({ ...b, url: b.url.replaceAll("{live_url}", deps.liveUrl ?? "") })))
      .map((row) => row.filter((b) => b.url !== ""))
      .filter((row) => row.length > 0);
  }

  function view(id: string): ScenarioView {
    const scenario = loadScenario(id);
    const funnel: Funnel = {
      enrolled: 0,
      active: 0,
      atStep: {},
      completedAfter: {},
      finished: 0,
      unsubscribed: 0,
      blocked: 0,
      ticketSent: 0,
      skippedSteps: 0,
      deferredSteps: 0,
    };
    const rows = sql.funnel.all(id) as Array<{
      status: string;
      stop_reason: string | null;
      last_step_sent: number;
      n: number;
      skipped: number;
      deferred: number;
      done: number;
    }>;
    const add = (into: Record<number, number>, step: number, n: number) => {
      into[step] = (into[step] ?? 0) + n;
    };
    for (const row of rows) {
      funnel.enrolled += row.n;
      funnel.skippedSteps += row.skipped;
      funnel.deferredSteps += row.deferred;
      if (row.status === "active") funnel.active += row.n;
      if (row.done === 1) add(funnel.completedAfter, row.last_step_sent, row.n);
      else if (row.status === "active") add(funnel.atStep, row.last_step_sent, row.n);
      else if (row.stop_reason === "blocked") funnel.blocked += row.n;
      else if (row.stop_reason === "unsubscribed") funnel.unsubscribed += row.n;
      else if (row.stop_reason === "ticket_sent") funnel.ticketSent += row.n;
      else funnel.finished += row.n;
    }
    return { id, trigger: scenario.trigger, enabled: scenario.enabled, steps: scenario.steps, funnel };
  }

  return {
    install() {
      const now = deps.clock.now();
      sqlite.transaction(() => {
        for (const definition of DEFAULT_SCENARIOS) {
          const exists = db
            .select({ id: scenarios.id })
            .from(scenarios)
            .where(eq(scenarios.id, definition.id))
            .get();
          if (exists) continue;
          db.insert(scenarios)
            .values({
              id: definition.id,
              trigger: definition.trigger,
              enabled: definition.enabledByDefault({
                formUrl: deps.formUrl,
                eventStartsAt: deps.eventStartsAt,
              }),
              // Only triggers from now on: installing must not remind everyone who came before.
              enrolledUntil: now - 1,
              updatedAt: now,
            })
            .run();
          for (const [i, step] of definition.steps.entries()) {
            db.insert(scenarioSteps)
              .values({
                scenarioId: definition.id,
                position: i + 1,
                delayMinutes: step.delayMinutes,
                anchor: step.anchor,
                textRu: step.text.ru,
                textEn: step.text.en,
                buttons: JSON.stringify(step.buttons ?? {}),
                updatedAt: now,
              })
              .run();
          }
        }
      })();
    },

    runDue(now) {
      const started = Date.now();
      const report: RunReport = {
        enrolled: 0,
        sent: 0,
        stopped: 0,
        skipped: 0,
        deferred: 0,
        finished: 0,
        broadcasts: 0,
        left: 0,
      };
      enrol(now, report);
      runEventSteps(now, report);
      const enabled = db
        .select()
        .from(scenarios)
        .where(eq(scenarios.enabled, true))
        .all()
        .filter((s) => s.trigger !== "event");
      if (enabled.length > 0) {
        const definitions = new Map(
          enabled.map((s) => [s.id, { trigger: s.trigger, steps: loadSteps(s.id) }]),
        );
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
      if (report.sent > 0) deps.onQueued?.();
      return report;
    },

    list() {
      return db
        .select({ id: scenarios.id })
        .from(scenarios)
        .all()
        .map((row) => view(row.id));
    },
    get: view,

    setEnabled(id, enabled) {
      loadScenario(id);
      const now = deps.clock.now();
      // Re-enabled: people who triggered it while it was off are not enrolled after the fact.
      db.update(scenarios)
        .set({ enabled, updatedAt: now, ...(enabled ? { enrolledUntil: now - 1 } : {}) })
        .where(eq(scenarios.id, id))
        .run();
    },

    editStep(id, position, change) {
      const scenario = loadScenario(id);
      const step = scenario.steps.find((s) => s.position === position);
      if (!step) throw new ScenarioError("step_not_found", `scenario "${id}" has no step ${position}`);
      if (change.text !== undefined && change.text.trim() === "") {
        throw new ScenarioError("step_invalid", "a step needs a text");
      }
      if (change.delayMinutes !== undefined) {
        const minimum = scenario.trigger === "event" ? MIN_EVENT_DELAY : 0;
        if (
          !Number.isInteger(change.delayMinutes) ||
          change.delayMinutes < minimum ||
          change.delayMinutes > MAX_DELAY
        ) {
          throw new ScenarioError(
            "step_invalid",
            `a delay of ${change.delayMinutes} minutes is out of range`,
          );
        }
        // Steps counted from one point must stay in order: catch-up reads a later step's time as
        // "superseded", so a reordered chain would skip steps that were never late.
        if (step.anchor !== "previous") {
          const before = scenario.steps.find((s) => s.position === position - 1);
          const after = scenario.steps.find((s) => s.position === position + 1);
          if (
            (before && before.anchor === step.anchor && change.delayMinutes <= before.delayMinutes) ||
            (after && after.anchor === step.anchor && change.delayMinutes >= after.delayMinutes)
          ) {
            throw new ScenarioError(
              "step_out_of_order",
              `step ${position} must come after step ${position - 1} and before step ${position + 1}`,
            );
          }
        }
      }
      const language = change.language ?? "ru";
      db.update(scenarioSteps)
        .set({
          ...(change.text !== undefined
            ? language === "en"
              ? { textEn: change.text }
              : { textRu: change.text }
            : {}),
          ...(change.delayMinutes !== undefined ? { delayMinutes: change.delayMinutes } : {}),
          updatedAt: deps.clock.now(),
        })
        .where(and(eq(scenarioSteps.scenarioId, id), eq(scenarioSteps.position, position)))
        .run();
      if (change.delayMinutes !== undefined && scenario.trigger !== "event") {
        // People waiting for this step wait by the new delay.
        sql.retime.run({
          anchor: step.anchor,
          delay: change.delayMinutes * 60_000,
          now: deps.clock.now(),
          scenario: id,
          position,
        });
      }
      return loadSteps(id).find((s) => s.position === position) as Step;
    },
  };
}
