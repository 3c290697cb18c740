import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { formEventId } from "../../src/forms/intake.js";
import type { FormProvider } from "../../src/forms/providers.js";
import { FORM_FIELDS, formPost, PERSONAL, tallyBody, tildaBody, typeformBody } from "../forms/bodies.js";
import { FORM_SECRET, type FormHarness, formHarness } from "../forms/harness.js";

/*
 * What a reviewer found in the form doors, each driven through the real HTTP server: submissions
 * that shared an answer number, personal questions mapped by another of their names, bodies nested
 * deep enough to overflow the stack, the sender woken before the commit, replay keys another route
 * could take, and signatures over bytes that are not compact JSON.
 */

const ATTENDEE = 700_000_021;

const open: FormHarness[] = [];
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
});

function setup(env: Record<string, string> = { FORM_FIELDS }): FormHarness {
  const harness = formHarness(env);
  open.push(harness);
  return harness;
}

const post = (h: FormHarness, provider: FormProvider, body: unknown) =>
  h.send(formPost(provider, FORM_SECRET, body));

function expectNothingWritten(h: FormHarness): void {
  for (const [table, rows] of Object.entries(h.snapshot())) expect(rows, `rows in ${table}`).toEqual([]);
}

const answerIds = (h: FormHarness) => h.rows("registrations").map((row) => row.answer_id);

describe("answer numbers and replay keys", () => {
  it("stores two Tilda submissions whose ids share their digits (12:345, 123:45) as two registrations", async () => {
    const h = setup();
    const first = await post(h, "tilda", tildaBody({ tranid: "12:345", city: "Kazan" }));
    const second = await post(h, "tilda", tildaBody({ tranid: "123:45", city: "Omsk" }));
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode, second.body).toBe(201);
    expect(first.json()).toMatchObject({ answer_id: "12x345", created: true });
    expect(second.json()).toMatchObject({ answer_id: "123x45", created: true });
    expect(answerIds(h).sort()).toEqual(["123x45", "12x345"]);
    const cities = h.rows("registrations").map((row) => JSON.parse(String(row.attributes)).city);
    expect(cities.sort()).toEqual(["Kazan", "Omsk"]);
    expect(h.rows("webhook_events")).toHaveLength(2);
  });

  it("stores generic submissions with ids order-12, order12, [1, 2] and 12 as four registrations", async () => {
    const h = setup({ FORM_FIELDS: "city=city" });
    const ids: unknown[] = ["order-12", "order12", [1, 2], 12];
    for (const id of ids) {
      const response = await post(h, "generic", { id, city: "Kazan" });
      expect(response.statusCode, `${JSON.stringify(id)}: ${response.body}`).toBe(201);
      expect(response.json()).toMatchObject({ created: true });
    }
    const sha = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 40);
    expect(answerIds(h).sort()).toEqual(["12", "order12", sha("1, 2"), sha("order-12")].sort());
    // A resend of each is still a replay: same answer, nothing new.
    const again = await post(h, "generic", { id: "order-12", city: "Omsk" });
    expect(again.json()).toMatchObject({ answer_id: sha("order-12"), created: true });
    expect(h.rows("webhook_events")).toHaveLength(4);
  });
});

describe("personal questions", () => {
  it("refuses a Tally question labelled 'Full name' mapped by its key, naming the field and writing nothing", async () => {
    const h = setup({ FORM_FIELDS: "q=question_3EKz4n" });
    h.subscribe(ATTENDEE);
    const before = h.snapshot();
    const response = await post(h, "tally", tallyBody({ responseId: "2wgx4n" }));
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ error: "personal_data" });
    expect(response.json().message).toContain('field "question_3EKz4n"');
    expect(h.snapshot()).toEqual(before);
    for (const value of PERSONAL) {
      expect(response.body).not.toContain(value);
      expect(h.logs.text()).not.toContain(value);
    }
  });

  it("refuses Typeform's 'What is your name?' mapped by its question id, writing nothing", async () => {
    // By its ref (`name_q`) FORM_FIELDS itself is refused at start-up; an id says nothing of the question.
    const h = setup({ FORM_FIELDS: "q=DlXFaesGBpoF" });
    const response = await post(h, "typeform", typeformBody({ token: "a3a12ec67a1365927098a606107fac15" }));
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ error: "personal_data" });
    expect(response.json().message).toContain('field "DlXFaesGBpoF"');
    expect(response.body).not.toContain(PERSONAL[0]);
    expectNothingWritten(h);
  });
});

describe("deeply nested bodies", () => {
  it("reads a generic body nested 60,000 arrays deep without a crash, leaving the deep part unread", async () => {
    const h = setup({ FORM_FIELDS: "city=city,deep=a.b.c.d.e.f.g.h.i,shallow=a.b.c.d.e.f.g.h" });
    const raw = `{"id":"q","city":"Kazan","a":${"[".repeat(60_000)}${"]".repeat(60_000)}}`;
    const response = await h.send(formPost("generic", FORM_SECRET, undefined, { raw }));
    expect(response.statusCode, response.body).toBe(201);
    expect(answerIds(h)).toEqual(["q"]);
    // Eight levels are read; the ninth is dropped unread (an envelope's deep metadata, say).
    const eight = await post(h, "generic", {
      id: "r",
      a: { b: { c: { d: { e: { f: { g: { h: "8" } } } } } } },
    });
    expect(eight.statusCode, eight.body).toBe(201);
    const nine = await post(h, "generic", {
      id: "s",
      a: { b: { c: { d: { e: { f: { g: { h: { i: "9" } } } } } } } },
    });
    expect(nine.statusCode, nine.body).toBe(201);
    expect(h.rows("registrations").map((row) => JSON.parse(String(row.attributes ?? "{}")))).toEqual(
      expect.arrayContaining([{ city: "Kazan" }, { shallow: "8" }, {}]),
    );
  });
});

describe("waking the sender", () => {
  it("wakes it once, after the commit, for a bound form submission", async () => {
    const h = setup();
    h.subscribe(ATTENDEE);
    const response = await post(
      h,
      "tally",
      tallyBody({ responseId: "2wgx4n", ref: h.deepLinks.formReference(ATTENDEE) }),
    );
    expect(response.statusCode, response.body).toBe(201);
    expect(h.deliveries()).toHaveLength(1);
    expect(h.wakeUps()).toBe(1);
    expect(h.wakeUpsInTransaction()).toBe(0);
  });

  it("never wakes it when the form request's transaction fails after the registration was recorded", async () => {
    const h = setup();
    h.subscribe(ATTENDEE);
    // The event row is written after recordSubmission and the watchers' reports: make it fail.
    h.database.sqlite.exec(
      "CREATE TRIGGER refuse_events BEFORE INSERT ON webhook_events BEGIN SELECT RAISE(ABORT, 'injected'); END",
    );
    const before = h.snapshot();
    const body = tallyBody({ responseId: "2wgx4n", ref: h.deepLinks.formReference(ATTENDEE) });
    const response = await post(h, "tally", body);
    expect(response.statusCode).toBe(500);
    expect(h.wakeUps()).toBe(0);
    expect(h.snapshot()).toEqual(before);
    expect(h.deliveries()).toEqual([]);

    // Once the event row can be written, the same submission goes through and wakes the sender once.
    h.database.sqlite.exec("DROP TRIGGER refuse_events");
    expect((await post(h, "tally", body)).statusCode).toBe(201);
    expect(h.wakeUps()).toBe(1);
    expect(h.wakeUpsInTransaction()).toBe(0);
  });

  it("never wakes it when a submission webhook's transaction fails, and wakes it after the commit otherwise", async () => {
    const h = setup();
    h.subscribe(ATTENDEE);
    h.database.sqlite.exec(
      "CREATE TRIGGER refuse_events BEFORE INSERT ON webhook_events BEGIN SELECT RAISE(ABORT, 'injected'); END",
    );
    const before = h.snapshot();
    const body = { event_id: "evt-1", answer_id: "A1", ref: h.deepLinks.formReference(ATTENDEE) };
    expect((await h.postWebhook("/webhooks/submission", body)).statusCode).toBe(500);
    expect(h.wakeUps()).toBe(0);
    expect(h.snapshot()).toEqual(before);

    h.database.sqlite.exec("DROP TRIGGER refuse_events");
    const response = await h.postWebhook("/webhooks/submission", body);
    expect(response.statusCode, response.body).toBe(201);
    expect(h.deliveries().map((row) => row.job_key)).toEqual(["linked:A1"]);
    expect(h.wakeUps()).toBe(1);
    expect(h.wakeUpsInTransaction()).toBe(0);
  });

  it("wakes it after the commit for a moderation decision, and not at all when it fails", async () => {
    const h = setup();
    h.subscribe(ATTENDEE);
    const ref = h.deepLinks.formReference(ATTENDEE);
    expect(
      (await h.postWebhook("/webhooks/submission", { event_id: "s1", answer_id: "A1", ref })).statusCode,
    ).toBe(201);
    const woken = h.wakeUps();
    h.database.sqlite.exec(
      "CREATE TRIGGER refuse_events BEFORE INSERT ON webhook_events BEGIN SELECT RAISE(ABORT, 'injected'); END",
    );
    const decision = {
      event_id: "m1",
      answer_id: "A1",
      decision: "approved",
      ticket_url: "https://tickets.example.org/t/1",
    };
    expect((await h.postWebhook("/webhooks/moderation", decision)).statusCode).toBe(500);
    expect(h.wakeUps()).toBe(woken);
    h.database.sqlite.exec("DROP TRIGGER refuse_events");
    expect((await h.postWebhook("/webhooks/moderation", decision)).statusCode).toBe(200);
    expect(h.wakeUps()).toBe(woken + 1);
    expect(h.wakeUpsInTransaction()).toBe(0);
  });
});

describe("replay keys across routes", () => {
  it("lets no submission webhook event id take a form submission's replay key", async () => {
    const h = setup();
    // The key a Tally submission had before: any organiser could send it as an event id.
    const old = await h.postWebhook("/webhooks/submission", {
      event_id: "form:tally:2wgx4n",
      answer_id: "X1",
    });
    expect(old.statusCode, old.body).toBe(201);
    const tally = await post(h, "tally", tallyBody({ responseId: "2wgx4n" }));
    expect(tally.statusCode, tally.body).toBe(201);
    expect(tally.json()).toMatchObject({ answer_id: "2wgx4n", created: true });
    expect(answerIds(h).sort()).toEqual(["2wgx4n", "X1"]);
    // Today's key cannot be sent there at all.
    const taken = await h.postWebhook("/webhooks/submission", {
      event_id: formEventId("tally", "2wgx4n"),
      answer_id: "X2",
    });
    expect(taken.statusCode).toBe(400);
    expect(answerIds(h)).not.toContain("X2");
  });
});

describe("signatures over the raw bytes", () => {
  /** Pretty-printed, with every character outside ASCII written as a \u escape. */
  const prettyEscaped = (body: unknown) =>
    JSON.stringify(body, null, 2).replace(
      /[^ -~\n]/g,
      (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );

  for (const provider of ["typeform", "tally"] as const) {
    it(`accepts a ${provider} body pretty-printed with \\u escapes, signed as sent`, async () => {
      const h = setup();
      const body =
        provider === "typeform"
          ? typeformBody({ token: "a3a12ec67a1365927098a606107fac15", city: "Казань" })
          : tallyBody({ responseId: "2wgx4n", city: "Казань" });
      const raw = prettyEscaped(body);
      expect(raw).toContain("\\u041a");
      expect(raw).toContain("\n  ");
      const response = await h.send(formPost(provider, FORM_SECRET, body, { raw }));
      expect(response.statusCode, response.body).toBe(201);
      const [registration] = h.rows("registrations");
      expect(JSON.parse(String(registration?.attributes))).toMatchObject({ city: "Казань" });
      // A signature over the body re-serialised as compact JSON does not cover these bytes.
      const compact = formPost(provider, FORM_SECRET, body);
      const resent = await h.send({ ...compact, payload: Buffer.from(raw) });
      expect(resent.statusCode).toBe(401);
    });
  }
});
