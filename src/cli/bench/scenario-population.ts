import type { HeraldDatabase } from "../../db/client.js";
import type { OutgoingMessage } from "../../messages/outgoing.js";
import { prepareSentDeliveryRecord } from "../../outbox/outbox.js";
import { createRandom } from "../../sandbox/random.js";
import { DEFAULT_SCENARIOS } from "../../scenarios/definitions.js";
import type { ScenarioBenchOptions } from "./options.js";

/*
 * The scenario benchmark's people: who is due when, the rows their past implies, and the downtime
 * that makes some of them overdue before the catch-up tick.
 */

export const SCENARIO = "finish_registration";
export const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The moment the measured tick runs (a fixed one, so runs are reproducible from the seed). */
export const NOW = Date.UTC(2026, 10, 21, 9, 0, 0);
/** The catch-up tick, after downtime. */
export const CATCH_UP_AT = NOW + MINUTE;
/** Runs not due now are due no sooner than this after NOW, so neither idle nor catch-up ticks meet them. */
const FUTURE_MARGIN_MS = 2 * MINUTE;
const INSERT_CHUNK = 10_000;
/** A rendered step or ticket, about the size of a real payload. */
const PAYLOAD: OutgoingMessage = {
  html: "Напоминаем: регистрация по анкете № 000000 ещё не завершена. Это займёт пару минут.",
};

export interface StepTiming {
  delayMs: number;
}

export interface PopulatedRows {
  subscribers: number;
  registrations: number;
  runs: number;
  deliveries: number;
}

export function stepTimings(): StepTiming[] {
  const definition = DEFAULT_SCENARIOS.find((d) => d.id === SCENARIO);
  if (!definition || definition.steps.some((s) => s.anchor !== "trigger")) {
    throw new Error(`the bench expects "${SCENARIO}" with steps timed from the trigger`);
  }
  return definition.steps.map((s) => ({ delayMs: s.delayMinutes * MINUTE }));
}

const Role = {
  Future: 0,
  Due: 1,
  /** Not due now; made overdue by days before the catch-up tick. */
  Overdue: 2,
} as const;

/** Which people (1-based index = Telegram ID = run id) are due now and which fall overdue later. */
export function assignRoles(options: ScenarioBenchOptions): Uint8Array {
  const n = options.subscribers;
  const random = createRandom((options.seed ^ 0x5ce7a) >>> 0);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i + 1;
  const picked = options.due + options.catchUp;
  for (let i = 0; i < picked; i++) {
    const j = i + Math.floor(random() * (n - i));
    const a = order[i] as number;
    order[i] = order[j] as number;
    order[j] = a;
  }
  const roles = new Uint8Array(n + 1);
  for (let i = 0; i < picked; i++) roles[order[i] as number] = i < options.due ? Role.Due : Role.Overdue;
  return roles;
}

/** Writes person `id` (Telegram ID = run id) with their past; returns the outbox rows written. */
function createPersonWriter(
  sqlite: HeraldDatabase["sqlite"],
  roles: Uint8Array,
  steps: StepTiming[],
  random: () => number,
): (id: number) => number {
  const delayOf = (position: number) => (steps[position - 1] as StepTiming).delayMs;
  const insertSubscriber = sqlite.prepare(
    `INSERT INTO subscribers (telegram_id, language, status, first_seen_at, last_seen_at, status_changed_at)
     VALUES (?, ?, 'active', ?, ?, ?)`,
  );
  const insertRegistration = sqlite.prepare(
    `INSERT INTO registrations (answer_id, telegram_id, submitted_at, bound_at, moderation, moderated_at,
       ticket_url, ticket_version, completed_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertRun = sqlite.prepare(
    `INSERT INTO scenario_runs (id, scenario_id, telegram_id, answer_id, status, next_step, next_due_at,
       last_step_sent, last_sent_at, triggered_at, updated_at)
     VALUES (?, '${SCENARIO}', ?, ?, 'active', ?, ?, ?, ?, ?, ?)`,
  );
  const recordSent = prepareSentDeliveryRecord(sqlite);
  let messageId = 1;
  return (id) => {
    let written = 0;
    let position: number;
    let triggeredAt: number;
    if (roles[id] === Role.Due) {
      // Due at NOW, up to five minutes late (never exactly NOW: the tick marks what it wrote with NOW).
      position = 1 + Math.floor(random() * steps.length);
      triggeredAt = NOW - delayOf(position) - 1000 - Math.floor(random() * 5 * MINUTE);
    } else {
      // Waiting for step 2..4: triggered after step k-1 fell due, before step k does (at most 3 days ago).
      position = 2 + Math.floor(random() * (steps.length - 1));
      const from = delayOf(position - 1);
      const to = Math.min(delayOf(position), 3 * DAY) - FUTURE_MARGIN_MS;
      triggeredAt = NOW - from - Math.floor(random() * (to - from));
    }
    const answerId = String(100_000 + id);
    const submittedAt = triggeredAt - Math.floor(random() * DAY);
    const ticket = random() < 0.4;
    const ticketAt = triggeredAt + Math.floor(random() * Math.max(1, NOW - triggeredAt - 1000));
    const completedAt = random() < 0.3 ? ticketAt : null;
    const lastSent = position - 1;
    const lastSentAt = lastSent > 0 ? triggeredAt + delayOf(lastSent) : null;
    insertSubscriber.run(
      id,
      random() < 0.8 ? "ru" : "en",
      triggeredAt,
      lastSentAt ?? triggeredAt,
      triggeredAt,
    );
    insertRegistration.run(
      answerId,
      id,
      submittedAt,
      triggeredAt,
      ticket ? "approved" : "pending",
      ticket ? ticketAt : null,
      ticket ? `https://tickets.example.org/t/${answerId}` : null,
      ticket ? 1 : 0,
      completedAt,
      submittedAt,
      completedAt ?? triggeredAt,
    );
    insertRun.run(
      id,
      id,
      answerId,
      position,
      triggeredAt + delayOf(position),
      lastSent,
      lastSentAt,
      triggeredAt,
      lastSentAt ?? triggeredAt,
    );
    if (ticket) {
      recordSent({
        jobKey: `ticket:${answerId}:v1`,
        telegramId: id,
        lane: "transactional",
        message: PAYLOAD,
        createdAt: ticketAt,
        sentAt: ticketAt + 500,
        messageId: messageId++,
      });
      written++;
    }
    for (let step = 1; step <= lastSent; step++) {
      const at = triggeredAt + delayOf(step);
      recordSent({
        jobKey: `scenario:${SCENARIO}:${id}:${step}`,
        telegramId: id,
        lane: "transactional",
        message: PAYLOAD,
        createdAt: at,
        sentAt: at + 500,
        messageId: messageId++,
      });
      written++;
    }
    return written;
  };
}

/**
 * One subscriber, one bound registration and one active run per person, with the outbox rows their
 * past implies: a sent ticket for 40%, and the scenario steps already sent. Timelines are consistent
 * (a run at step k was triggered between the delays of steps k-1 and k ago), so due runs send.
 */
export async function populate(
  database: HeraldDatabase,
  options: ScenarioBenchOptions,
  roles: Uint8Array,
  steps: StepTiming[],
  log: (line: string) => void,
): Promise<PopulatedRows> {
  const { sqlite } = database;
  const writePerson = createPersonWriter(sqlite, roles, steps, createRandom(options.seed >>> 0));
  let deliveries = 0;
  const chunk = sqlite.transaction((from: number, to: number) => {
    for (let id = from; id < to; id++) deliveries += writePerson(id);
  });
  const n = options.subscribers;
  sqlite.pragma("synchronous = OFF");
  try {
    let lastLog = performance.now();
    for (let from = 1; from <= n; from += INSERT_CHUNK) {
      chunk(from, Math.min(n + 1, from + INSERT_CHUNK));
      if (performance.now() - lastLog > 5000) {
        log(`populating: ${Math.min(n, from + INSERT_CHUNK - 1)}/${n} people`);
        lastLog = performance.now();
      }
      // Lets a signal (Ctrl-C) through between chunks.
      await yieldToLoop();
    }
  } finally {
    sqlite.pragma("synchronous = NORMAL");
  }
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  return { subscribers: n, registrations: n, runs: n, deliveries };
}

/**
 * Downtime: the runs picked for the catch-up fell due 1-4 days before it. Each one's timeline (its
 * trigger, the steps it was sent, its binding) moves back by the same amount, so it stays consistent.
 */
export function makeOverdue(database: HeraldDatabase, roles: Uint8Array, seed: number): void {
  const { sqlite } = database;
  const random = createRandom((seed ^ 0xd0e5) >>> 0);
  const read = sqlite.prepare("SELECT next_due_at, last_step_sent FROM scenario_runs WHERE id = ?");
  const moveRun = sqlite.prepare(
    `UPDATE scenario_runs SET next_due_at = next_due_at - @shift, triggered_at = triggered_at - @shift,
       last_sent_at = last_sent_at - @shift, updated_at = updated_at - @shift WHERE id = @id`,
  );
  const moveRegistration = sqlite.prepare(
    "UPDATE registrations SET bound_at = bound_at - @shift WHERE telegram_id = @id",
  );
  const moveDelivery = sqlite.prepare(
    `UPDATE deliveries SET not_before = not_before - @shift, created_at = created_at - @shift,
       sent_at = sent_at - @shift WHERE job_key = @key AND telegram_id = @id`,
  );
  sqlite.transaction(() => {
    for (let id = 1; id < roles.length; id++) {
      if (roles[id] !== Role.Overdue) continue;
      const run = read.get(id) as { next_due_at: number; last_step_sent: number };
      const lateBy = DAY + Math.floor(random() * 3 * DAY);
      const shift = run.next_due_at - (CATCH_UP_AT - lateBy);
      moveRun.run({ shift, id });
      moveRegistration.run({ shift, id });
      for (let step = 1; step <= run.last_step_sent; step++) {
        moveDelivery.run({ shift, id, key: `scenario:${SCENARIO}:${id}:${step}` });
      }
    }
  })();
}

export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
