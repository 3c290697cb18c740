import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRegistrations, type Registrations } from "../../src/audience/registrations.js";
import { recordStart, setSubscriberStatus } from "../../src/audience/subscribers.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { createBroadcasts } from "../../src/delivery/broadcasts.js";
import { createLogger } from "../../src/logger.js";
import type { OutgoingMessage } from "../../src/messages/outgoing.js";
import { createScenarios, type Scenarios, STALE_AFTER_MS } from "../../src/scenarios/scenarios.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// 12:00 in Moscow (UTC+3); quiet hours there are 22:00–09:00, i.e. 19:00–06:00 UTC.
const NOON_MSK = Date.UTC(2026, 10, 21, 9, 0, 0);

let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;
let clock: FakeClock;
let registrations: Registrations;
let scenarios: Scenarios;

function makeScenarios(
  options: {
    dailyCap?: number;
    eventStartsAt?: number | null;
    quietHours?: { start: number; end: number } | null;
  } = {},
) {
  return createScenarios({
    database,
    clock,
    logger: createLogger({ level: "silent", secrets: [] }),
    quietHours: options.quietHours === undefined ? { start: 22 * 60, end: 9 * 60 } : options.quietHours,
    timezone: "Europe/Moscow",
    dailyCap: options.dailyCap ?? 3,
    formUrl: "https://forum.example.org/register",
    eventStartsAt: options.eventStartsAt ?? null,
    liveUrl: "https://live.example.org/",
    formLinkFor: (telegramId) => `https://forum.example.org/register?ref=r-${telegramId}-tag`,
    broadcasts: createBroadcasts({ database, clock }),
  });
}

beforeEach(() => {
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
  clock = createFakeClock(NOON_MSK);
  registrations = createRegistrations({ db: database.db, clock });
  scenarios = makeScenarios();
  scenarios.install();
});

afterEach(() => {
  database.close();
  dir.cleanup();
});

const tick = () => scenarios.runDue(clock.now());

function attendee(telegramId: number, answerId: string, language: "ru" | "en" = "ru") {
  recordStart(database.db, { telegramId, language, now: clock.now() });
  registrations.bind({ answerId, telegramId });
}

/** Scenario messages queued for one person, in order. */
function received(telegramId: number): Array<{ job: string; message: OutgoingMessage; at: number }> {
  return (
    database.sqlite
      .prepare(
        "SELECT job_key, payload, created_at FROM deliveries WHERE telegram_id = ? AND job_key LIKE 'scenario:%' ORDER BY id",
      )
      .all(telegramId) as Array<{ job_key: string; payload: string; created_at: number }>
  ).map((row) => ({
    job: row.job_key,
    message: JSON.parse(row.payload) as OutgoingMessage,
    at: row.created_at,
  }));
}

function run(telegramId: number, scenario = "finish_registration") {
  return database.sqlite
    .prepare(
      "SELECT status, stop_reason, next_step, next_due_at, last_step_sent, skipped, deferred FROM scenario_runs WHERE telegram_id = ? AND scenario_id = ?",
    )
    .get(telegramId, scenario) as {
    status: string;
    stop_reason: string | null;
    next_step: number;
    next_due_at: number | null;
    last_step_sent: number;
    skipped: number;
    deferred: number;
  };
}

/** Advances the fake clock to a moment and runs a tick there. */
function at(ms: number) {
  clock.set(ms);
  return tick();
}

describe("the default scenario: finish your registration", () => {
  it("welcomes at once, then reminds after 1 hour, 24 hours and 72 hours, and ends", () => {
    clock.advance(5 * MINUTE);
    const t0 = clock.now();
    attendee(1001, "7001");
    clock.advance(MINUTE);
    expect(tick()).toMatchObject({ enrolled: 1, sent: 1 });
    const [welcome] = received(1001);
    expect(welcome?.message.html).toContain("Добро пожаловать!");
    expect(welcome?.message.html).toContain("Анкета № 7001");

    expect(at(t0 + HOUR - MINUTE).sent).toBe(0);
    expect(at(t0 + HOUR).sent).toBe(1);
    expect(at(t0 + DAY - MINUTE).sent).toBe(0);
    expect(at(t0 + DAY).sent).toBe(1);
    expect(at(t0 + 3 * DAY).sent).toBe(1);
    expect(at(t0 + 10 * DAY).sent).toBe(0);

    const jobs = received(1001).map((r) => r.job.split(":").at(-1));
    expect(jobs).toEqual(["1", "2", "3", "4"]);
    expect(received(1001).map((r) => r.at - t0)).toEqual([MINUTE, HOUR, DAY, 3 * DAY]);
    expect(run(1001)).toMatchObject({ status: "finished", last_step_sent: 4, skipped: 0 });
  });

  it("speaks the attendee's language", () => {
    attendee(1002, "7002", "en");
    clock.advance(MINUTE);
    tick();
    expect(received(1002)[0]?.message.html).toContain("<b>Welcome!</b> Application no. 7002");
  });

  it("stops when the registration is completed, and counts the completion after the last reminder", () => {
    const t0 = clock.now();
    attendee(1003, "7003");
    attendee(1004, "7004");
    at(t0 + MINUTE);
    at(t0 + HOUR);
    registrations.recordCompletion({ answerId: "7003" });
    expect(at(t0 + DAY)).toMatchObject({ sent: 1, stopped: 1 });
    expect(received(1003)).toHaveLength(2);
    expect(run(1003)).toMatchObject({ status: "stopped", stop_reason: "completed", last_step_sent: 2 });
    expect(received(1004)).toHaveLength(3);

    const funnel = scenarios.get("finish_registration").funnel;
    expect(funnel).toMatchObject({ enrolled: 2, active: 1, completedAfter: { 2: 1 }, atStep: { 3: 1 } });
  });

  it("stops when the ticket has been sent", () => {
    const t0 = clock.now();
    attendee(1005, "7005");
    at(t0 + MINUTE);
    registrations.recordModeration({
      answerId: "7005",
      decision: "approved",
      ticketUrl: "https://t.example/7005",
    });
    database.sqlite
      .prepare("UPDATE deliveries SET status = 'sent', sent_at = ? WHERE job_key LIKE 'ticket:%'")
      .run(clock.now());
    expect(at(t0 + HOUR)).toMatchObject({ sent: 0, stopped: 1 });
    expect(run(1005)).toMatchObject({ status: "stopped", stop_reason: "ticket_sent" });
    expect(scenarios.get("finish_registration").funnel.ticketSent).toBe(1);
  });

  it("stops when the attendee unsubscribes or blocks the bot", () => {
    const t0 = clock.now();
    attendee(1006, "7006");
    attendee(1007, "7007");
    at(t0 + MINUTE);
    setSubscriberStatus(database.db, { telegramId: 1006, status: "unsubscribed", now: clock.now() });
    setSubscriberStatus(database.db, { telegramId: 1007, status: "blocked", now: clock.now() });
    expect(at(t0 + HOUR)).toMatchObject({ sent: 0, stopped: 2 });
    expect(run(1006).stop_reason).toBe("unsubscribed");
    expect(run(1007).stop_reason).toBe("blocked");
    expect(scenarios.get("finish_registration").funnel).toMatchObject({ unsubscribed: 1, blocked: 1 });
  });

  it("moves a step that falls in quiet hours to the morning", () => {
    // 21:30 in Moscow: the welcome goes now; the 1-hour reminder would be 22:30, at night.
    const evening = Date.UTC(2026, 10, 21, 18, 30);
    clock.set(evening);
    attendee(1008, "7008");
    expect(at(evening + MINUTE).sent).toBe(1);
    expect(at(evening + HOUR)).toMatchObject({ sent: 0, deferred: 1 });
    const morning = Date.UTC(2026, 10, 22, 6, 0);
    expect(run(1008)).toMatchObject({ next_due_at: morning, deferred: 1 });
    expect(at(morning - MINUTE).sent).toBe(0);
    expect(at(morning).sent).toBe(1);
  });

  it("keeps to the daily cap across scenarios and broadcasts; service messages do not count", () => {
    const t0 = clock.now();
    attendee(1009, "7009");
    const insert = database.sqlite.prepare(
      `INSERT INTO deliveries (job_key, telegram_id, lane, broadcast_id, status, not_before, created_at, sent_at)
       VALUES (?, 1009, ?, ?, 'sent', ?, ?, ?)`,
    );
    insert.run("broadcast:1", "bulk", 1, t0 - 2 * HOUR, t0 - 2 * HOUR, t0 - 2 * HOUR);
    insert.run("broadcast:2", "bulk", 2, t0 - HOUR, t0 - HOUR, t0 - HOUR);
    insert.run("linked:7009", "transactional", null, t0, t0, t0);
    expect(at(t0 + MINUTE).sent).toBe(1);
    // Three today (two broadcasts and the welcome): the reminder waits until the oldest is a day old.
    expect(at(t0 + HOUR)).toMatchObject({ sent: 0, deferred: 1 });
    expect(run(1009).next_due_at).toBe(t0 - 2 * HOUR + DAY);
    expect(at(t0 - 2 * HOUR + DAY).sent).toBe(1);
    expect(received(1009)).toHaveLength(2);

    // Without a cap, the same history does not hold anything back.
    scenarios = makeScenarios({ dailyCap: 0 });
    attendee(1010, "7010");
    for (const id of [1, 2, 3]) {
      database.sqlite
        .prepare(
          `INSERT INTO deliveries (job_key, telegram_id, lane, broadcast_id, status, not_before, created_at, sent_at)
           VALUES (?, 1010, 'bulk', ?, 'sent', ?, ?, ?)`,
        )
        .run(`broadcast:${id}`, id, clock.now(), clock.now(), clock.now());
    }
    clock.advance(MINUTE);
    expect(tick()).toMatchObject({ enrolled: 1, sent: 1 });
  });
});

describe("after downtime", () => {
  it("catches up with the latest due step only, skips what is superseded or stale, and never sends twice", () => {
    const t0 = clock.now();
    attendee(1011, "7011");
    at(t0 + MINUTE);
    // Herald is down for 30 hours: the 1-hour step is superseded by the 24-hour one (6 hours overdue).
    clock.set(t0 + 30 * HOUR);
    scenarios = makeScenarios();
    expect(tick()).toMatchObject({ sent: 1, skipped: 1 });
    expect(received(1011).map((r) => r.job.split(":").at(-1))).toEqual(["1", "3"]);
    expect(tick()).toMatchObject({ sent: 0, skipped: 0 });
    expect(scenarios.runDue(clock.now()).sent).toBe(0);

    // Down for another ten days: the 72-hour step is long overdue, so it is skipped, not sent late.
    clock.set(t0 + 13 * DAY);
    scenarios = makeScenarios();
    expect(tick()).toMatchObject({ sent: 0, skipped: 1, finished: 1 });
    expect(received(1011)).toHaveLength(2);
    expect(run(1011)).toMatchObject({ status: "finished", skipped: 2, last_step_sent: 3 });
    expect(scenarios.get("finish_registration").funnel.skippedSteps).toBe(2);
  });

  it("does not enrol everyone who came before the scenarios were installed", () => {
    database.sqlite.prepare("DELETE FROM scenario_steps").run();
    database.sqlite.prepare("DELETE FROM scenarios").run();
    attendee(1012, "7012");
    clock.advance(MINUTE);
    scenarios.install();
    expect(tick()).toMatchObject({ enrolled: 0, sent: 0 });
  });

  it("sends a step that is overdue but neither stale nor superseded", () => {
    // (No quiet hours here: twelve hours after noon is night in Moscow.)
    scenarios = makeScenarios({ quietHours: null });
    const t0 = clock.now();
    attendee(1013, "7013");
    clock.set(t0 + STALE_AFTER_MS - MINUTE);
    expect(tick()).toMatchObject({ sent: 1, skipped: 1 });
    expect(received(1013).map((r) => r.job.split(":").at(-1))).toEqual(["2"]);
  });
});

describe("the invited scenario", () => {
  it("reminds a bot-first subscriber with their own form link until they submit the form", () => {
    const t0 = clock.now();
    recordStart(database.db, { telegramId: 1014, language: "en", now: t0 });
    attendee(1015, "7015");
    expect(at(t0 + MINUTE).enrolled).toBe(2);
    expect(at(t0 + HOUR).sent).toBe(2);
    const [reminder] = received(1014);
    expect(reminder?.message.buttons).toEqual([
      [{ text: "Fill in the form", url: "https://forum.example.org/register?ref=r-1014-tag" }],
    ]);
    expect(run(1015, "invited")).toBeUndefined();

    registrations.recordSubmission({ answerId: "7014", telegramId: 1014 });
    expect(at(t0 + DAY)).toMatchObject({ stopped: 1 });
    expect(run(1014, "invited")).toMatchObject({
      status: "stopped",
      stop_reason: "submitted",
      last_step_sent: 1,
    });
    expect(scenarios.get("invited").funnel.completedAfter).toEqual({ 1: 1 });
  });
});

describe("organisers' controls", () => {
  it("a disabled scenario sends nothing and enrols nobody; enabled again, it starts from then", () => {
    const t0 = clock.now();
    attendee(1016, "7016");
    at(t0 + MINUTE);
    scenarios.setEnabled("finish_registration", false);
    attendee(1017, "7017");
    expect(at(t0 + HOUR)).toMatchObject({ sent: 0, enrolled: 0 });
    scenarios.setEnabled("finish_registration", true);
    expect(at(t0 + HOUR + MINUTE)).toMatchObject({ sent: 1, enrolled: 0 });
    expect(received(1017)).toHaveLength(0);
    expect(scenarios.get("finish_registration").enabled).toBe(true);
  });

  it("an edited text goes out in that language, and a new delay moves the people waiting for that step", () => {
    const t0 = clock.now();
    attendee(1018, "7018", "en");
    attendee(1019, "7019", "ru");
    at(t0 + MINUTE);
    scenarios.editStep("finish_registration", 2, {
      language: "en",
      text: "Still there, {answer_id}?",
      delayMinutes: 90,
    });
    expect(at(t0 + HOUR).sent).toBe(0);
    expect(at(t0 + 90 * MINUTE).sent).toBe(2);
    expect(received(1018)[1]?.message.html).toBe("Still there, 7018?");
    expect(received(1019)[1]?.message.html).toContain("Напоминаем");
    expect(() => scenarios.editStep("finish_registration", 9, { text: "x" })).toThrow(/no step 9/);
    expect(() => scenarios.editStep("finish_registration", 2, { delayMinutes: -5 })).toThrow(/out of range/);
    expect(() => scenarios.editStep("nope", 1, { text: "x" })).toThrow(/no scenario/);
    // Steps counted from the trigger stay in order (step 3 is at 24 h): catch-up relies on it.
    expect(() => scenarios.editStep("finish_registration", 2, { delayMinutes: 24 * 60 })).toThrow(
      expect.objectContaining({ code: "step_out_of_order" }),
    );
    expect(() => scenarios.editStep("finish_registration", 3, { delayMinutes: 30 })).toThrow(
      /must come after step 2/,
    );
  });
});

describe("event reminders", () => {
  it("go out once each as broadcasts at their times, and a passed moment is skipped", () => {
    const start = NOON_MSK + 2 * DAY;
    database.sqlite.prepare("DELETE FROM scenario_steps").run();
    database.sqlite.prepare("DELETE FROM scenarios").run();
    scenarios = makeScenarios({ eventStartsAt: start });
    scenarios.install();
    scenarios.editStep("event", 3, { text: "🔴 <b>Мы в эфире!</b> Заявка № {answer_id}: {live_url}" });
    expect(at(start - DAY - MINUTE).broadcasts).toBe(0);
    expect(at(start - DAY).broadcasts).toBe(1);
    expect(tick().broadcasts).toBe(0);
    const first = database.sqlite
      .prepare("SELECT status, urgent, content FROM broadcasts WHERE id = 1")
      .get() as {
      status: string;
      urgent: number;
      content: string;
    };
    expect(first).toMatchObject({ status: "running", urgent: 0 });
    expect(JSON.parse(first.content).localized.en.html).toContain("We start tomorrow!");
    // It expires when the next reminder is due: a day-before message arriving an hour before is no use.
    expect(database.sqlite.prepare("SELECT deadline FROM broadcasts WHERE id = 1").get()).toEqual({
      deadline: start - HOUR,
    });

    // Herald was down through the hour-before reminder: at the start only "we are live" goes.
    expect(at(start)).toMatchObject({ broadcasts: 1, skipped: 1 });
    const live = JSON.parse(
      (database.sqlite.prepare("SELECT content FROM broadcasts WHERE id = 2").get() as { content: string })
        .content,
    );
    // Per-recipient parameters are left for the engine; only {live_url} is filled here.
    expect(live.html).toBe("🔴 <b>Мы в эфире!</b> Заявка № {answer_id}: https://live.example.org/");
    expect(live.buttons).toEqual([[{ text: "Смотреть", url: "https://live.example.org/" }]]);
    expect(database.sqlite.prepare("SELECT urgent FROM broadcasts WHERE id = 2").get()).toEqual({
      urgent: 1,
    });
  });
});

describe("the welcome at binding", () => {
  let woken: number;
  let binding: Registrations;

  beforeEach(() => {
    woken = 0;
    // As the wiring does it: the binding's transaction enrols the run and queues what is due at once.
    binding = createRegistrations({
      db: database.db,
      clock,
      onQueued: () => woken++,
      onBound: (_tx, made) => scenarios.enrolBound(made),
    });
  });

  function bindNow(telegramId: number, answerId: string, language: "ru" | "en" = "ru") {
    recordStart(database.db, { telegramId, language, now: clock.now() });
    return binding.bind({ answerId, telegramId });
  }

  it("is queued in the binding's own millisecond, and no tick sends it again", () => {
    clock.advance(7 * MINUTE + 123);
    const t0 = clock.now();
    expect(bindNow(2001, "9001", "en").outcome).toBe("bound");
    expect(received(2001)).toHaveLength(1);
    expect(received(2001)[0]).toMatchObject({ job: expect.stringMatching(/:1$/), at: t0 });
    expect(received(2001)[0]?.message.html).toContain("<b>Welcome!</b> Application no. 9001");
    expect(run(2001)).toMatchObject({ status: "active", next_step: 2, last_step_sent: 1, deferred: 0 });

    expect(tick()).toMatchObject({ enrolled: 0, sent: 0 });
    expect(at(t0 + MINUTE)).toMatchObject({ enrolled: 0, sent: 0 });
    expect(at(t0 + HOUR).sent).toBe(1);
    expect(received(2001).map((r) => r.job.split(":").at(-1))).toEqual(["1", "2"]);
    expect(scenarios.get("finish_registration").funnel).toMatchObject({ enrolled: 1, atStep: { 2: 1 } });
  });

  it("goes with a submission that carries a verified reference, and wakes the sender", () => {
    recordStart(database.db, { telegramId: 2002, language: "ru", now: clock.now() });
    const t0 = clock.now();
    expect(binding.recordSubmission({ answerId: "9002", telegramId: 2002 }).binding).toBe("bound");
    expect(received(2002)).toEqual([expect.objectContaining({ at: t0 })]);
    expect(woken).toBe(1);
    // The same answer reported again binds nothing new and queues nothing more.
    expect(binding.recordSubmission({ answerId: "9002", telegramId: 2002 }).binding).toBe("already_bound");
    expect(woken).toBe(1);
    expect(at(t0 + MINUTE)).toMatchObject({ enrolled: 0, sent: 0 });
    expect(received(2002)).toHaveLength(1);
  });

  it("keeps quiet hours: a binding at night is welcomed in the morning, once", () => {
    const night = Date.UTC(2026, 10, 21, 20, 0); // 23:00 in Moscow
    clock.set(night);
    bindNow(2003, "9003");
    expect(received(2003)).toHaveLength(0);
    const morning = Date.UTC(2026, 10, 22, 6, 0);
    expect(run(2003)).toMatchObject({ status: "active", next_step: 1, next_due_at: morning, deferred: 1 });
    expect(at(morning - MINUTE).sent).toBe(0);
    expect(at(morning).sent).toBe(1);
    expect(at(morning + MINUTE).sent).toBe(0);
    expect(received(2003)).toHaveLength(1);
  });

  /** Every delivery queued for one person, by job key. */
  const jobsOf = (telegramId: number) =>
    (
      database.sqlite
        .prepare("SELECT job_key FROM deliveries WHERE telegram_id = ? ORDER BY id")
        .all(telegramId) as Array<{
        job_key: string;
      }>
    ).map((row) => row.job_key);

  it("does not welcome an attendee whose ticket the binding queues: only the ticket goes", () => {
    binding.recordModeration({
      answerId: "777",
      decision: "approved",
      ticketUrl: "https://tickets.example.org/t/777",
    });
    expect(bindNow(2010, "777").outcome).toBe("bound");
    expect(jobsOf(2010)).toEqual(["ticket:777:v1"]);
    expect(run(2010)).toMatchObject({ status: "stopped", stop_reason: "ticket_sent", last_step_sent: 0 });
    // The ticket is still queued, not sent: no tick reminds them to finish either.
    for (const later of [HOUR, DAY, 3 * DAY]) at(clock.now() + later);
    expect(jobsOf(2010)).toEqual(["ticket:777:v1"]);
  });

  it("does not welcome or remind a rejected attendee", () => {
    binding.recordModeration({ answerId: "778", decision: "rejected" });
    expect(bindNow(2011, "778").outcome).toBe("bound");
    expect(jobsOf(2011)).toEqual(["rejection:778"]);
    expect(run(2011)).toMatchObject({ status: "stopped", stop_reason: "rejected" });
    for (const later of [HOUR, DAY, 3 * DAY]) at(clock.now() + later);
    expect(received(2011)).toEqual([]);
    // The cockpit's funnel counts them as rejected, not as "ended without completing".
    expect(scenarios.get("finish_registration").funnel).toMatchObject({ rejected: 1, finished: 0 });
  });

  it("stops the reminders once the organisers decide, before the ticket is sent", () => {
    const t0 = clock.now();
    bindNow(2012, "779");
    expect(received(2012)).toHaveLength(1);
    binding.recordModeration({
      answerId: "779",
      decision: "approved",
      ticketUrl: "https://tickets.example.org/t/779",
    });
    expect(at(t0 + HOUR)).toMatchObject({ sent: 0, stopped: 1 });
    expect(received(2012)).toHaveLength(1);
    expect(jobsOf(2012)).toEqual([
      expect.stringMatching(/^scenario:finish_registration:\d+:1$/),
      "ticket:779:v1",
    ]);

    bindNow(2013, "780");
    binding.recordModeration({ answerId: "780", decision: "rejected" });
    expect(at(t0 + 2 * HOUR)).toMatchObject({ sent: 0, stopped: 1 });
    expect(received(2013)).toHaveLength(1);
    expect(run(2013)).toMatchObject({ status: "stopped", stop_reason: "rejected" });
  });

  it("still welcomes an attendee whose answer waits for moderation", () => {
    bindNow(2014, "781");
    expect(received(2014)).toHaveLength(1);
    expect(run(2014)).toMatchObject({ status: "active", next_step: 2 });
  });

  it("keeps the daily cap", () => {
    const t0 = clock.now();
    recordStart(database.db, { telegramId: 2004, language: "ru", now: t0 });
    for (const id of [1, 2, 3]) {
      database.sqlite
        .prepare(
          `INSERT INTO deliveries (job_key, telegram_id, lane, broadcast_id, status, not_before, created_at, sent_at)
           VALUES (?, 2004, 'bulk', ?, 'sent', ?, ?, ?)`,
        )
        .run(`broadcast:${id}`, id, t0 - id * HOUR, t0 - id * HOUR, t0 - id * HOUR);
    }
    binding.bind({ answerId: "9004", telegramId: 2004 });
    expect(received(2004)).toHaveLength(0);
    expect(run(2004)).toMatchObject({ next_step: 1, next_due_at: t0 - 3 * HOUR + DAY, deferred: 1 });
  });

  it("queues nothing while the scenario is off, and does not catch up when it is back on", () => {
    scenarios.setEnabled("finish_registration", false);
    bindNow(2005, "9005");
    expect(run(2005)).toBeUndefined();
    expect(woken).toBe(0);
    clock.advance(MINUTE);
    scenarios.setEnabled("finish_registration", true);
    expect(tick()).toMatchObject({ enrolled: 0, sent: 0 });
    expect(received(2005)).toHaveLength(0);
  });

  it("welcomes a person once, not again for a second answer bound to them", () => {
    bindNow(2006, "9006");
    bindNow(2006, "9007");
    expect(received(2006)).toHaveLength(1);
    expect(at(clock.now() + MINUTE)).toMatchObject({ enrolled: 0, sent: 0 });
    expect(received(2006)).toHaveLength(1);
  });

  it("a failed enrolment leaves the binding made, and the next tick enrols it", () => {
    database.sqlite.exec(
      "CREATE TEMP TRIGGER refuse_runs BEFORE INSERT ON scenario_runs BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    expect(bindNow(2007, "9008").outcome).toBe("bound");
    expect(registrations.ofTelegramId(2007)).toEqual([
      expect.objectContaining({ answerId: "9008", bound: true }),
    ]);
    expect(received(2007)).toHaveLength(0);
    database.sqlite.exec("DROP TRIGGER refuse_runs");
    clock.advance(MINUTE);
    expect(tick()).toMatchObject({ enrolled: 1, sent: 1 });
    expect(received(2007)).toHaveLength(1);
  });
});
