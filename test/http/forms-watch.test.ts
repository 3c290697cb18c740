import { afterEach, describe, expect, it } from "vitest";
import { WATCH_TTL_MS, watchForTestSubmission } from "../../src/forms/watch.js";
import { FORM_FIELDS, formPost, PERSONAL, tallyBody } from "../forms/bodies.js";
import { FORM_SECRET, type FormHarness, formHarness } from "../forms/harness.js";

const ATTENDEE = 700_000_002;
const ORGANISERS = -1_001_234_567_890;
const OTHER_CHAT = 500_000_001;

const open: FormHarness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

function setup(): FormHarness {
  const harness = formHarness({ FORM_FIELDS: `${FORM_FIELDS},level=Level` });
  open.push(harness);
  return harness;
}

const reports = (h: FormHarness) => h.deliveries().filter((row) => row.job_key.startsWith("form-test:"));

describe("watching for a test submission", () => {
  it("queues one report to the watching chat naming what was mapped, never a value, and closes the watch", async () => {
    const h = setup();
    const { db } = h.database;
    watchForTestSubmission(db, { provider: "tally", chatId: ORGANISERS, language: "en", now: h.clock.now() });
    watchForTestSubmission(db, {
      provider: "typeform",
      chatId: OTHER_CHAT,
      language: "ru",
      now: h.clock.now(),
    });
    const [watch] = h.rows("form_watches").filter((row) => row.provider === "tally");
    h.subscribe(ATTENDEE);
    const wakeUps = h.wakeUps();

    const response = await h.send(
      formPost(
        "tally",
        FORM_SECRET,
        tallyBody({ responseId: "3xQ9pL", ref: h.deepLinks.formReference(ATTENDEE) }),
      ),
    );
    expect(response.statusCode).toBe(201);

    const queued = reports(h);
    expect(queued.map((row) => [row.job_key, row.telegram_id])).toEqual([
      [`form-test:${watch?.id}`, ORGANISERS],
    ]);
    const html = queued[0]?.message.html ?? "";
    expect(html).toContain("tally");
    expect(html).toContain("data.responseId");
    expect(html).toContain("<code>city</code>, <code>track</code>");
    expect(html).toContain("Not in this submission: <code>level</code>");
    expect(html).toContain("linked to the attendee's Telegram");
    // Eight fields came: City, Tracks and ref were read; the other five were not.
    expect(html).toContain("dropped unread: 5");
    for (const value of [...PERSONAL, "Kazan", "Backend", "3xQ9pL", String(ATTENDEE)])
      expect(html).not.toContain(value);
    expect(h.wakeUps()).toBeGreaterThan(wakeUps);
    // The typeform watch of another chat stays open.
    expect(h.rows("form_watches")).toEqual([
      expect.objectContaining({ provider: "typeform", chat_id: OTHER_CHAT }),
    ]);

    const next = await h.send(formPost("tally", FORM_SECRET, tallyBody({ responseId: "4yR0qM" })));
    expect(next.statusCode).toBe(201);
    expect(reports(h)).toHaveLength(1);
  });

  it("reports in the watcher's language and says when no reference came", async () => {
    const h = setup();
    watchForTestSubmission(h.database.db, {
      provider: "tally",
      chatId: ORGANISERS,
      language: "ru",
      now: h.clock.now(),
    });
    await h.send(formPost("tally", FORM_SECRET, tallyBody({ responseId: "5zS1rN" })));
    const html = reports(h)[0]?.message.html ?? "";
    expect(html).toContain("Тестовая заявка из tally получена");
    expect(html).toContain("Ссылки из бота нет: поле «ref»");
  });

  it("keeps one watch per chat and provider, is not closed by a refused submission, and expires after an hour", async () => {
    const h = setup();
    const { db } = h.database;
    watchForTestSubmission(db, { provider: "tally", chatId: ORGANISERS, language: "en", now: h.clock.now() });
    watchForTestSubmission(db, { provider: "tally", chatId: ORGANISERS, language: "ru", now: h.clock.now() });
    expect(h.rows("form_watches")).toEqual([
      expect.objectContaining({ chat_id: ORGANISERS, language: "ru" }),
    ]);

    const refused = await h.send(
      formPost("tally", FORM_SECRET, tallyBody({ responseId: "6aT2sO" }), { unsigned: true }),
    );
    expect(refused.statusCode).toBe(401);
    expect(h.rows("form_watches")).toHaveLength(1);

    h.clock.advance(WATCH_TTL_MS);
    const late = await h.send(formPost("tally", FORM_SECRET, tallyBody({ responseId: "7bU3tP" })));
    expect(late.statusCode).toBe(201);
    expect(reports(h)).toEqual([]);
    expect(h.rows("form_watches")).toEqual([]);
  });

  it("tells the watching chat why a recognised submission was refused, once per reason, and keeps watching", async () => {
    const h = setup();
    const { db } = h.database;
    watchForTestSubmission(db, { provider: "tally", chatId: ORGANISERS, language: "en", now: h.clock.now() });
    const refusals = () => h.deliveries().filter((row) => row.job_key.startsWith("form-refused:"));

    // A forged reference, sent twice (Tally retries): one report, naming the field, no value.
    const forged = tallyBody({ responseId: "8cV4uQ", ref: "r-1-AAAAAAAAAAAAAAAA" });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await h.send(formPost("tally", FORM_SECRET, forged));
      expect(response.statusCode).toBe(422);
    }
    expect(refusals().map((row) => row.telegram_id)).toEqual([ORGANISERS]);
    const html = refusals()[0]?.message.html ?? "";
    expect(html).toContain("refused");
    expect(html).toContain("invalid_ref");
    expect(html).toContain("ref");
    for (const value of [...PERSONAL, "Kazan", "8cV4uQ", "r-1-AAAAAAAAAAAAAAAA"])
      expect(html).not.toContain(value);
    expect(h.rows("registrations")).toEqual([]);

    // An unsigned request tells nobody anything.
    const unsigned = await h.send(formPost("tally", FORM_SECRET, forged, { unsigned: true }));
    expect(unsigned.statusCode).toBe(401);
    expect(refusals()).toHaveLength(1);

    // The watch is still open: the fixed form's submission is reported as usual.
    const fixed = await h.send(formPost("tally", FORM_SECRET, tallyBody({ responseId: "9dW5vR" })));
    expect(fixed.statusCode).toBe(201);
    expect(reports(h)).toHaveLength(1);
  });
});
