import { afterEach, describe, expect, it } from "vitest";
import { createDeepLinks } from "../../src/audience/deep-links.js";
import { webhookEvents } from "../../src/db/schema.js";
import { countDeliveries } from "../../src/outbox/outbox.js";
import { type SignOptions, unixSeconds } from "../helpers/signed-request.js";

import {
  ATTENDEE,
  BOT,
  closeHarnesses,
  DEEPLINK_SECRET,
  expectAllTablesEmpty,
  type Harness,
  setup,
  WEBHOOK_SECRET,
} from "../helpers/webhook-harness.js";

afterEach(closeHarnesses);

/** A bound, English-speaking attendee's submission for an answer. */
async function boundSubmission(h: Harness, answerId: string, telegramId = ATTENDEE): Promise<void> {
  h.subscribe(telegramId);
  const response = await h.post("/webhooks/submission", {
    event_id: `sub-${answerId}`,
    answer_id: answerId,
    ref: h.deepLinks.formReference(telegramId),
  });
  expect(response.statusCode).toBe(201);
  expect(response.json()).toMatchObject({ binding: "bound" });
  // Binding queued the "your application arrived" note; count only what the test does next.
  h.forgetQueued();
}

function unescapeHtml(html: string): string {
  return html.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

const TICKET_URL = "https://tickets.example.com/t/12345?sig=a%2Bb&lang=en&x=%3C1%3E";
const OTHER_TICKET_URL = "https://tickets.example.com/t/12345?sig=ZZZ&lang=en";

describe("POST /webhooks/submission", () => {
  it("creates a registration and answers 201 with the attendee's signed deep link", async () => {
    const h = setup();
    const response = await h.post("/webhooks/submission", {
      event_id: "evt-1",
      answer_id: "12345",
      attributes: { ticket_type: "vip", seat: "A-12" },
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers["content-type"]).toMatch(/^application\/json/);
    const body = response.json();
    expect(body).toEqual({
      answer_id: "12345",
      created: true,
      binding: null,
      deep_link: h.deepLinks.answerLink(BOT, "12345"),
    });
    expect(body.deep_link).toMatch(/^https:\/\/t\.me\/herald_test_bot\?start=a-12345-[A-Za-z0-9_-]{16}$/);
    const start = new URL(body.deep_link).searchParams.get("start") ?? "";
    expect(h.deepLinks.parseStartPayload(start)).toEqual({ kind: "answer", answerId: "12345" });

    const row = h.registration("12345");
    expect(row).toMatchObject({
      answerId: "12345",
      telegramId: null,
      moderation: "pending",
      submittedAt: h.clock.now(),
      ticketVersion: 0,
    });
    expect(typeof row?.attributes).toBe("string");
    expect(JSON.parse(row?.attributes ?? "")).toEqual({ ticket_type: "vip", seat: "A-12" });
  });

  it("answers 200 created false to a second submission of the same answer and replaces its attributes", async () => {
    const h = setup();
    await h.post("/webhooks/submission", {
      event_id: "evt-1",
      answer_id: "12345",
      attributes: { ticket_type: "vip", seat: "A-12" },
    });
    h.clock.advance(60_000);

    const response = await h.post("/webhooks/submission", {
      event_id: "evt-2",
      answer_id: "12345",
      attributes: { ticket_type: "standard" },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ answer_id: "12345", created: false, binding: null });
    const row = h.registration("12345");
    expect(row?.attributes).toBe(JSON.stringify({ ticket_type: "standard" }));
    expect(row?.submittedAt).toBe(h.clock.now());
    expect(h.snapshot().registrations).toHaveLength(1);
  });

  it("stores a registration without attributes as an empty JSON object", async () => {
    const h = setup();
    expect((await h.post("/webhooks/submission", { event_id: "evt-1", answer_id: "12345" })).statusCode).toBe(
      201,
    );
    expect(h.registration("12345")?.attributes).toBe("{}");
  });

  it("answers deep_link null while the bot's username is not known yet", async () => {
    const h = setup({});
    const response = await h.post("/webhooks/submission", { event_id: "evt-1", answer_id: "12345" });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ created: true, deep_link: null });
  });

  it("accepts application/json with a charset parameter", async () => {
    const h = setup();
    const response = await h.post(
      "/webhooks/submission",
      { event_id: "evt-1", answer_id: "12345" },
      { contentType: "application/json; charset=utf-8" },
    );
    expect(response.statusCode).toBe(201);
  });

  it("binds the answer to the Telegram ID a reference from formReference names", async () => {
    const h = setup();
    const response = await h.post("/webhooks/submission", {
      event_id: "evt-1",
      answer_id: "12345",
      ref: h.deepLinks.formReference(ATTENDEE),
    });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ answer_id: "12345", created: true, binding: "bound" });
    expect(h.registration("12345")).toMatchObject({ telegramId: ATTENDEE, boundAt: h.clock.now() });
    expect(h.registrations.ofTelegramId(ATTENDEE)).toEqual([
      expect.objectContaining({ answerId: "12345", bound: true }),
    ]);
    // The attendee filled the form outside Telegram: the bot tells them it arrived.
    expect(h.delivery("linked:12345")?.message.html).toContain(
      "Заявка № 12345 получена и связана с этим чатом",
    );
  });

  it("answers already_bound when the same reference arrives with a later submission", async () => {
    const h = setup();
    const ref = h.deepLinks.formReference(ATTENDEE);
    await h.post("/webhooks/submission", { event_id: "evt-1", answer_id: "12345", ref });
    const response = await h.post("/webhooks/submission", { event_id: "evt-2", answer_id: "12345", ref });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ created: false, binding: "already_bound" });
  });

  it.each([
    [
      "made with another secret",
      () => createDeepLinks({ secret: "x".repeat(32), signing: true }).formReference(ATTENDEE),
    ],
    [
      "with its Telegram ID changed",
      () => {
        const ref = createDeepLinks({ secret: DEEPLINK_SECRET, signing: true }).formReference(ATTENDEE);
        return ref.replace(String(ATTENDEE), String(ATTENDEE + 1));
      },
    ],
    [
      "with one tag character changed",
      () => {
        const ref = createDeepLinks({ secret: DEEPLINK_SECRET, signing: true }).formReference(ATTENDEE);
        return `${ref.slice(0, -1)}${ref.endsWith("A") ? "B" : "A"}`;
      },
    ],
    [
      "that is an answer payload",
      () => createDeepLinks({ secret: DEEPLINK_SECRET, signing: true }).answerPayload("12345"),
    ],
    ["without a tag", () => `r-${ATTENDEE}`],
    ["that is not a reference at all", () => "hello"],
  ])("refuses a reference %s with 422 invalid_ref and writes nothing", async (_name, makeRef) => {
    const h = setup();
    const response = await h.post("/webhooks/submission", {
      event_id: "evt-1",
      answer_id: "12345",
      ref: makeRef(),
    });

    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ error: "invalid_ref", message: expect.stringContaining("ref") });
    expectAllTablesEmpty(h);
  });
});

describe("repeated event ids", () => {
  it("answer a replayed submission with the stored status and body and do not overwrite attributes", async () => {
    const h = setup();
    const first = await h.post("/webhooks/submission", {
      event_id: "evt-1",
      answer_id: "12345",
      attributes: { ticket_type: "vip" },
    });
    const before = h.snapshot();
    h.clock.advance(30_000);

    const replay = await h.post("/webhooks/submission", {
      event_id: "evt-1",
      answer_id: "12345",
      attributes: { ticket_type: "standard" },
    });

    expect(replay.statusCode).toBe(first.statusCode);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
    expect(h.snapshot()).toEqual(before);
    expect(JSON.parse(h.registration("12345")?.attributes ?? "")).toEqual({ ticket_type: "vip" });
  });

  it("answer a replayed submission the same way even when it names another answer", async () => {
    const h = setup();
    const first = await h.post("/webhooks/submission", { event_id: "evt-1", answer_id: "12345" });
    const before = h.snapshot();
    const replay = await h.post("/webhooks/submission", { event_id: "evt-1", answer_id: "99999" });
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
    expect(h.snapshot()).toEqual(before);
    expect(h.registration("99999")).toBeUndefined();
  });

  it("do not queue a second delivery for a replayed moderation", async () => {
    const h = setup();
    await boundSubmission(h, "12345");
    const moderation = {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
      ticket_url: TICKET_URL,
    };
    const first = await h.post("/webhooks/moderation", moderation);
    expect(first.json()).toMatchObject({ delivery: "queued" });
    const before = h.snapshot();

    const replay = await h.post("/webhooks/moderation", moderation);

    expect(replay.statusCode).toBe(first.statusCode);
    expect(replay.json()).toEqual(first.json());
    expect(h.snapshot()).toEqual(before);
    expect(h.deliveryRows()).toHaveLength(1);
    expect(h.queuedCalls()).toBe(1);
  });

  it("record one webhook_events row per event id", async () => {
    const h = setup();
    await h.post("/webhooks/submission", { event_id: "evt-1", answer_id: "12345" });
    await h.post("/webhooks/submission", { event_id: "evt-1", answer_id: "12345" });
    await h.post("/webhooks/registration-completed", { event_id: "evt-2", answer_id: "12345" });
    const events = h.database.db.select().from(webhookEvents).all();
    expect(events.map((event) => [event.eventId, event.kind, event.statusCode])).toEqual([
      ["evt-1", "submission", 201],
      ["evt-2", "registration_completed", 200],
    ]);
  });
});

describe("POST /webhooks/moderation: approved", () => {
  it("queues the ticket for a bound attendee with the ticket URL exactly as sent", async () => {
    const h = setup();
    await boundSubmission(h, "12345");

    const response = await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
      ticket_url: TICKET_URL,
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      answer_id: "12345",
      decision: "approved",
      delivery: "queued",
      ticket_version: 1,
    });
    expect(h.registration("12345")).toMatchObject({ moderation: "approved", ticketUrl: TICKET_URL });

    const rows = h.deliveryRows();
    expect(rows).toHaveLength(1);
    const delivery = h.delivery("ticket:12345:v1");
    expect(delivery).toMatchObject({ telegramId: ATTENDEE, lane: "transactional", status: "pending" });
    const button = delivery?.message.buttons?.[0]?.[0];
    expect(button?.url).toBe(TICKET_URL);
    expect(delivery?.message.html).toContain(
      "https://tickets.example.com/t/12345?sig=a%2Bb&amp;lang=en&amp;x=%3C1%3E",
    );
    expect(unescapeHtml(delivery?.message.html ?? "")).toContain(TICKET_URL);
    expect(delivery?.message.html).toContain("Application no. 12345 is approved");
    expect(countDeliveries(h.database.db, "ticket:12345:")).toMatchObject({ pending: 1 });
    expect(h.queuedCalls()).toBe(1);
  });

  it("holds the ticket of an unbound answer until the attendee binds it", async () => {
    const h = setup();
    await h.post("/webhooks/submission", { event_id: "sub-1", answer_id: "12345" });

    const response = await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
      ticket_url: TICKET_URL,
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ delivery: "held_until_bound", ticket_version: 1 });
    expect(h.deliveryRows()).toEqual([]);
    expect(h.queuedCalls()).toBe(0);

    h.subscribe(ATTENDEE);
    const bound = h.registrations.bind({ answerId: "12345", telegramId: ATTENDEE });

    expect(bound.outcome).toBe("bound");
    expect(bound.registration).toMatchObject({ bound: true, moderation: "approved", ticketVersion: 1 });
    const delivery = h.delivery("ticket:12345:v1");
    expect(delivery).toMatchObject({ telegramId: ATTENDEE, status: "pending" });
    expect(delivery?.message.buttons?.[0]?.[0]?.url).toBe(TICKET_URL);
    // No wake-up call here by design: the sender picks the row up on its next round.
  });

  it("accepts and holds a decision for an answer it has not heard of (rows are created by whichever event comes first)", async () => {
    const h = setup();

    const response = await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "55555",
      decision: "approved",
      ticket_url: TICKET_URL,
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      answer_id: "55555",
      decision: "approved",
      delivery: "held_until_bound",
      ticket_version: 1,
    });
    expect(h.registration("55555")).toMatchObject({
      moderation: "approved",
      ticketUrl: TICKET_URL,
      submittedAt: null,
      telegramId: null,
    });
    expect(h.deliveryRows()).toEqual([]);

    // The submission that arrives later finds the decision already there.
    const submission = await h.post("/webhooks/submission", { event_id: "sub-1", answer_id: "55555" });
    expect(submission.statusCode).toBe(200);
    expect(submission.json()).toMatchObject({ created: false });
    expect(h.registration("55555")).toMatchObject({ moderation: "approved", ticketUrl: TICKET_URL });
  });

  it("answers delivery unchanged to a second approval with the same URL", async () => {
    const h = setup();
    await boundSubmission(h, "12345");
    const approve = { answer_id: "12345", decision: "approved", ticket_url: TICKET_URL };
    await h.post("/webhooks/moderation", { event_id: "mod-1", ...approve });

    const response = await h.post("/webhooks/moderation", { event_id: "mod-2", ...approve });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      answer_id: "12345",
      decision: "approved",
      delivery: "unchanged",
      ticket_version: 1,
    });
    expect(h.deliveryRows()).toHaveLength(1);
    expect(h.queuedCalls()).toBe(1);
  });

  it("refuses a different URL with 409 ticket_conflict, changes nothing, and replays the 409 for that event id", async () => {
    const h = setup();
    await boundSubmission(h, "12345");
    await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
      ticket_url: TICKET_URL,
    });
    const before = h.snapshot();
    h.clock.advance(60_000);
    const conflicting = {
      event_id: "mod-2",
      answer_id: "12345",
      decision: "approved",
      ticket_url: OTHER_TICKET_URL,
    };

    const response = await h.post("/webhooks/moderation", conflicting);

    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      error: "ticket_conflict",
      message: expect.stringContaining('"replace": true'),
    });
    const after = h.snapshot();
    for (const table of ["registrations", "deliveries", "subscribers", "bind_conflicts"]) {
      expect(after[table], table).toEqual(before[table]);
    }
    expect(h.registration("12345")).toMatchObject({ ticketUrl: TICKET_URL, ticketVersion: 1 });

    const replay = await h.post("/webhooks/moderation", conflicting);
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toEqual(response.json());

    // The refusal is the event's answer: the same event id with replace is still a 409 replay.
    const sameIdWithReplace = await h.post("/webhooks/moderation", { ...conflicting, replace: true });
    expect(sameIdWithReplace.statusCode).toBe(409);
    expect(h.registration("12345")).toMatchObject({ ticketUrl: TICKET_URL, ticketVersion: 1 });
  });

  it("replaces the ticket with replace: true and queues version 2 saying the ticket was updated", async () => {
    const h = setup();
    await boundSubmission(h, "12345");
    await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
      ticket_url: TICKET_URL,
    });

    const response = await h.post("/webhooks/moderation", {
      event_id: "mod-2",
      answer_id: "12345",
      decision: "approved",
      ticket_url: OTHER_TICKET_URL,
      replace: true,
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      answer_id: "12345",
      decision: "approved",
      delivery: "queued",
      ticket_version: 2,
    });
    expect(h.registration("12345")).toMatchObject({ ticketUrl: OTHER_TICKET_URL, ticketVersion: 2 });
    expect(h.deliveryRows().map((row) => row.jobKey)).toEqual(["ticket:12345:v1", "ticket:12345:v2"]);
    const v2 = h.delivery("ticket:12345:v2");
    expect(v2?.message.html).toContain("The organisers have updated your ticket");
    expect(v2?.message.buttons?.[0]?.[0]?.url).toBe(OTHER_TICKET_URL);
    expect(unescapeHtml(v2?.message.html ?? "")).toContain(OTHER_TICKET_URL);
    expect(h.delivery("ticket:12345:v1")?.message.html).not.toContain("updated");
  });

  it("refuses approved without ticket_url with 400 ticket_url_required and lets the event be retried", async () => {
    const h = setup();
    await boundSubmission(h, "12345");
    const before = h.snapshot();

    const response = await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "ticket_url_required",
      message: expect.stringContaining("ticket_url"),
    });
    expect(h.snapshot()).toEqual(before);

    const fixed = await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
      ticket_url: TICKET_URL,
    });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json()).toMatchObject({ delivery: "queued" });
  });

  it.each(["javascript:alert(1)", "ftp://x", "https://exa mple.com/t", "//tickets.example.com/t", ""])(
    "refuses ticket_url %j with 400 naming ticket_url",
    async (ticketUrl) => {
      const h = setup();
      await boundSubmission(h, "12345");
      const before = h.snapshot();

      const response = await h.post("/webhooks/moderation", {
        event_id: "mod-1",
        answer_id: "12345",
        decision: "approved",
        ticket_url: ticketUrl,
      });

      expect(response.statusCode).toBe(400);
      // An empty link fails the route's schema; the others, the domain's check of what Telegram takes.
      expect(response.json()).toEqual({
        error: ticketUrl === "" ? "invalid_body" : "ticket_url_invalid",
        message: expect.stringContaining("ticket_url"),
      });
      expect(h.snapshot()).toEqual(before);
    },
  );
});

describe("POST /webhooks/moderation: rejected", () => {
  it("queues the rejection with the organisers' message HTML-escaped", async () => {
    const h = setup();
    await boundSubmission(h, "12345");

    const response = await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "rejected",
      message: "Sold out <b>& sorry",
    });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      answer_id: "12345",
      decision: "rejected",
      delivery: "queued",
      ticket_version: 0,
    });
    expect(h.registration("12345")).toMatchObject({
      moderation: "rejected",
      rejectionNote: "Sold out <b>& sorry",
    });
    const delivery = h.delivery("rejection:12345");
    expect(delivery).toMatchObject({ telegramId: ATTENDEE, lane: "transactional", status: "pending" });
    expect(delivery?.message.html).toContain("Sold out &lt;b&gt;&amp; sorry");
    expect(delivery?.message.html).not.toContain("<b>&");
    expect(delivery?.message.html).toContain("application no. 12345 did not pass moderation");
    expect(delivery?.message.buttons).toBeUndefined();
  });

  it("holds a rejection of an unbound answer", async () => {
    const h = setup();
    const response = await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "rejected",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ delivery: "held_until_bound" });
    expect(h.deliveryRows()).toEqual([]);
  });
});

describe("POST /webhooks/registration-completed", () => {
  it("marks completed_at once and reports already_completed for a second event", async () => {
    const h = setup();
    await h.post("/webhooks/submission", { event_id: "sub-1", answer_id: "12345" });
    const completedAt = h.clock.now();

    const first = await h.post("/webhooks/registration-completed", {
      event_id: "done-1",
      answer_id: "12345",
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ answer_id: "12345", completed: true, already_completed: false });
    expect(h.registration("12345")?.completedAt).toBe(completedAt);

    h.clock.advance(3_600_000);
    const second = await h.post("/webhooks/registration-completed", {
      event_id: "done-2",
      answer_id: "12345",
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ answer_id: "12345", completed: true, already_completed: true });
    expect(h.registration("12345")?.completedAt).toBe(completedAt);
  });

  it("creates the registration when completion is the first thing heard of it", async () => {
    const h = setup();
    const response = await h.post("/webhooks/registration-completed", {
      event_id: "done-1",
      answer_id: "777",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ already_completed: false });
    expect(h.registration("777")).toMatchObject({ completedAt: h.clock.now(), submittedAt: null });
  });
});

describe("POST /links/deep-link", () => {
  it("returns a payload and url that parseStartPayload accepts for that answer", async () => {
    const h = setup();
    const response = await h.post("/links/deep-link", { answer_id: "12345" });

    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      answer_id: "12345",
      payload: h.deepLinks.answerPayload("12345"),
      url: h.deepLinks.answerLink(BOT, "12345"),
    });
    expect(h.deepLinks.parseStartPayload(body.payload)).toEqual({ kind: "answer", answerId: "12345" });
    const start = new URL(body.url).searchParams.get("start") ?? "";
    expect(start).toBe(body.payload);
    expect(h.deepLinks.parseStartPayload(start)).toEqual({ kind: "answer", answerId: "12345" });
    expectAllTablesEmpty(h);
  });

  it("refuses an unsigned request with 401", async () => {
    const h = setup();
    const response = await h.app.inject({
      method: "POST",
      url: "/links/deep-link",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ answer_id: "12345" }),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: "unauthorized" });
    expect(response.body).not.toContain("a-12345");
  });

  it("refuses an invalid answer id with 400 naming answer_id", async () => {
    const h = setup();
    const response = await h.post("/links/deep-link", { answer_id: "12-345" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: "invalid_body", message: expect.stringContaining("answer_id") });
  });
});

describe("body validation", () => {
  const submission = { event_id: "evt-1", answer_id: "12345" };
  it.each([
    ["answer_id is missing", "/webhooks/submission", { event_id: "evt-1" }, "answer_id"],
    ["answer_id is empty", "/webhooks/submission", { ...submission, answer_id: "" }, "answer_id"],
    ["answer_id has a dash", "/webhooks/submission", { ...submission, answer_id: "12-345" }, "answer_id"],
    ["answer_id is a path", "/webhooks/submission", { ...submission, answer_id: "../etc" }, "answer_id"],
    ["answer_id has Cyrillic", "/webhooks/submission", { ...submission, answer_id: "абв" }, "answer_id"],
    [
      "answer_id is too long",
      "/webhooks/submission",
      { ...submission, answer_id: "1".repeat(41) },
      "answer_id",
    ],
    ["event_id is missing", "/webhooks/submission", { answer_id: "12345" }, "event_id"],
    ["event_id has a space", "/webhooks/submission", { ...submission, event_id: "evt 1" }, "event_id"],
    ["an unknown field is sent", "/webhooks/submission", { ...submission, email: "a@b.c" }, "email"],
    [
      "an attribute value is a number",
      "/webhooks/submission",
      { ...submission, attributes: { seats: 2 } },
      "attributes",
    ],
    [
      "an attribute value is a boolean",
      "/webhooks/submission",
      { ...submission, attributes: { vip: true } },
      "attributes",
    ],
    [
      "an attribute value is null",
      "/webhooks/submission",
      { ...submission, attributes: { seat: null } },
      "attributes",
    ],
    [
      "an attribute value is an object",
      "/webhooks/submission",
      { ...submission, attributes: { seat: { row: "A" } } },
      "attributes",
    ],
    [
      "an attribute name is not snake_case",
      "/webhooks/submission",
      { ...submission, attributes: { "Seat Row": "A" } },
      "attributes",
    ],
    [
      "an attribute name is not snake_case and its value is an object",
      "/webhooks/submission",
      { ...submission, attributes: { "Seat Row": { nested: [1, 2] } } },
      "attributes",
    ],
    ["attributes is a string", "/webhooks/submission", { ...submission, attributes: "vip" }, "attributes"],
    ["completion has no event_id", "/webhooks/registration-completed", { answer_id: "12345" }, "event_id"],
    [
      "completion has an unknown field",
      "/webhooks/registration-completed",
      { ...submission, completed: true },
      "completed",
    ],
    ["decision is missing", "/webhooks/moderation", submission, "decision"],
    ["decision is unknown", "/webhooks/moderation", { ...submission, decision: "maybe" }, "decision"],
    [
      "moderation has an unknown field",
      "/webhooks/moderation",
      { ...submission, decision: "rejected", reason: "late" },
      "reason",
    ],
    [
      "replace is not a boolean",
      "/webhooks/moderation",
      { ...submission, decision: "approved", ticket_url: TICKET_URL, replace: "yes" },
      "replace",
    ],
    ["deep-link request has no answer_id", "/links/deep-link", {}, "answer_id"],
  ])(
    "answers 400 invalid_body naming the field and writes nothing when %s",
    async (_name, url, body, field) => {
      const h = setup();
      const response = await h.post(url, body);

      expect(response.statusCode).toBe(400);
      const answer = response.json();
      expect(answer).toEqual({ error: "invalid_body", message: expect.any(String) });
      expect(answer.message).toContain(field);
      expectAllTablesEmpty(h);
    },
  );

  it("leaves existing rows unchanged when a body is refused", async () => {
    const h = setup();
    await boundSubmission(h, "12345");
    await h.post("/webhooks/moderation", {
      event_id: "mod-1",
      answer_id: "12345",
      decision: "approved",
      ticket_url: TICKET_URL,
    });
    const before = h.snapshot();

    const refused = [
      ["/webhooks/submission", { event_id: "sub-2", answer_id: "12345", attributes: { seats: 2 } }],
      ["/webhooks/submission", { event_id: "sub-3", answer_id: "12345", email: "a@b.c" }],
      ["/webhooks/moderation", { event_id: "mod-2", answer_id: "12345", decision: "rejected", x: 1 }],
      ["/webhooks/moderation", { event_id: "mod-3", answer_id: "12-345", decision: "rejected" }],
    ] as const;
    for (const [url, body] of refused) {
      expect((await h.post(url, body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    expect(h.snapshot()).toEqual(before);
  });
});

describe("authentication", () => {
  const body = { event_id: "evt-1", answer_id: "12345" };

  it.each<[string, SignOptions]>([
    [
      "both headers are missing",
      { headers: { "x-herald-timestamp": undefined, "x-herald-signature": undefined } },
    ],
    ["the signature header is missing", { headers: { "x-herald-signature": undefined } }],
    ["the timestamp header is missing", { headers: { "x-herald-timestamp": undefined } }],
    ["the signature was made with another secret", { secret: "not-the-webhook-secret-000000" }],
    ["the body was changed after signing", { tamper: (raw) => raw.replace("12345", "12346") }],
    ["a byte was appended after signing", { tamper: (raw) => `${raw} ` }],
    ["the timestamp is 6 minutes old", { timestamp: Math.floor(Date.UTC(2026, 10, 21, 8, 54, 0) / 1000) }],
    ["the timestamp is 6 minutes ahead", { timestamp: Math.floor(Date.UTC(2026, 10, 21, 9, 6, 0) / 1000) }],
    ["the timestamp is not a number", { headers: { "x-herald-timestamp": "yesterday" } }],
    ["the signature is a bare hex digest", { headers: { "x-herald-signature": "0".repeat(64) } }],
  ])("answers 401 unauthorized and writes nothing when %s", async (_name, options) => {
    const h = setup();
    expect(unixSeconds(h.clock)).toBe(Date.UTC(2026, 10, 21, 9, 0, 0) / 1000);

    for (const url of ["/webhooks/submission", "/webhooks/registration-completed", "/links/deep-link"]) {
      const response = await h.post(url, body, options);
      expect(response.statusCode, url).toBe(401);
      expect(response.json()).toEqual({ error: "unauthorized", message: expect.any(String) });
    }
    const moderation = await h.post(
      "/webhooks/moderation",
      { ...body, decision: "approved", ticket_url: TICKET_URL },
      options,
    );
    expect(moderation.statusCode).toBe(401);
    expectAllTablesEmpty(h);
  });

  it("checks the signature before the body, so an unsigned invalid body is 401 and not 400", async () => {
    const h = setup();
    const response = await h.post(
      "/webhooks/submission",
      { nonsense: true },
      { secret: "wrong-secret-000000000" },
    );
    expect(response.statusCode).toBe(401);
  });

  it("accepts a request the moment before the five-minute window closes and refuses it after", async () => {
    const h = setup();
    const signedAt = unixSeconds(h.clock);
    h.clock.advance(5 * 60_000);
    const inWindow = await h.post("/webhooks/submission", body, { timestamp: signedAt });
    expect(inWindow.statusCode).toBe(201);
    h.clock.advance(1_000);
    const late = await h.post(
      "/webhooks/submission",
      { ...body, event_id: "evt-2" },
      { timestamp: signedAt },
    );
    expect(late.statusCode).toBe(401);
  });

  it("never writes the webhook secret to the logs", async () => {
    const h = setup();
    await h.post("/webhooks/submission", body);
    await h.post("/webhooks/submission", body, { secret: "not-the-webhook-secret-000000" });
    await h.post("/webhooks/submission", body, { tamper: (raw) => raw.replace("12345", "12346") });
    await h.post("/webhooks/submission", body, { headers: { "x-herald-signature": undefined } });
    await h.post("/webhooks/moderation", { ...body, decision: "approved" });
    await h.post("/webhooks/submission", { ...body, email: 1 });

    const records = h.logs.records();
    expect(records.filter((record) => record.msg === "webhook refused: signature")).toHaveLength(3);
    expect(records.some((record) => record.msg === "submission")).toBe(true);
    expect(h.logs.text()).not.toContain(WEBHOOK_SECRET);
    expect(h.logs.text()).not.toContain(DEEPLINK_SECRET);
  });
});

describe("malformed requests", () => {
  it.each(["text/plain", "application/x-www-form-urlencoded", "application/xml"])(
    "answer 415 to a signed %s body",
    async (contentType) => {
      const h = setup();
      const response = await h.post(
        "/webhooks/submission",
        { event_id: "evt-1", answer_id: "12345" },
        { contentType },
      );
      expect(response.statusCode).toBe(415);
      expect(response.json()).toEqual({ error: "unsupported_media_type", message: expect.any(String) });
      expectAllTablesEmpty(h);
    },
  );

  it("answer 400 invalid_json to malformed JSON", async () => {
    const h = setup();
    const response = await h.post("/webhooks/submission", undefined, { rawBody: '{"event_id": "evt-1",' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: "invalid_json", message: expect.any(String) });
    expectAllTablesEmpty(h);
  });

  it("answer 400 to a JSON body that is not an object", async () => {
    const h = setup();
    const response = await h.post("/webhooks/submission", ["evt-1", "12345"]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_body" });
    expectAllTablesEmpty(h);
  });

  it("refuse a prototype-poisoning body", async () => {
    const h = setup();
    const response = await h.post("/webhooks/submission", undefined, {
      rawBody: '{"event_id":"evt-1","answer_id":"12345","__proto__":{"admin":true}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "forbidden_key",
      message: expect.stringContaining('"__proto__"'),
    });
    expectAllTablesEmpty(h);
  });

  it("answer 404 JSON to an unknown route", async () => {
    const h = setup();
    const response = await h.post("/webhooks/unknown", { event_id: "evt-1", answer_id: "12345" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: "not_found", message: "No route for POST /webhooks/unknown" });
  });

  it("answer 404 to GET on a webhook route", async () => {
    const h = setup();
    const response = await h.app.inject({ method: "GET", url: "/webhooks/submission" });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: "not_found" });
  });
});

describe("the personal-data firewall at the submission door", () => {
  const personalNames = [
    "phone",
    "first_name",
    "last_name",
    "email",
    "username",
    "name",
    "full_name",
    "birthday",
    "passport",
    "telegram_username",
    "surname",
    "phone_number",
    "e_mail",
    "middle_name",
    "patronymic",
    "birth_date",
    "fio",
    "nickname",
    "contact_phone",
    "work_email",
    "constructor",
    "prototype",
  ];

  it.each(personalNames)(
    "refuses an attribute named %s with 400 naming it, writing nothing",
    async (name) => {
      const h = setup();
      const response = await h.post("/webhooks/submission", {
        event_id: `evt-${name}`,
        answer_id: "12345",
        attributes: { city: "Kazan", [name]: "Zyxwvuta" },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: "personal_data" });
      expect(response.json().message).toContain(`body/attributes/${name}`);
      expectAllTablesEmpty(h);
    },
  );

  it.each([
    ["an e-mail address", "zyx.wvu@example.org"],
    ["an e-mail address inside text", "write to me: a.b-c@mail.ru please"],
    ["an international phone", "+7 (912) 345-67-89"],
    ["a Russian phone written whole", "89123456789"],
    ["a phone with dashes", "912-345-67-89"],
    ["a UK phone", "+44 20 7946 0958"],
  ])("refuses a value that holds %s, naming the attribute", async (_what, value) => {
    const h = setup();
    const response = await h.post("/webhooks/submission", {
      event_id: "evt-value",
      answer_id: "12345",
      attributes: { city: "Kazan", note: value },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "personal_data" });
    expect(response.json().message).toContain("body/attributes/note");
    expect(response.body).not.toContain(value);
    expectAllTablesEmpty(h);
  });

  it("keeps attributes that only look like numbers, dates or company names", async () => {
    const h = setup();
    const attributes = {
      company_name: "Acme",
      event_name: "Forum 2026",
      seat: "A-12",
      arrival: "2026-12-05 10:30",
      code: "123456",
      ticket_class: "VIP",
    };
    const response = await h.post("/webhooks/submission", {
      event_id: "evt-ok",
      answer_id: "12345",
      attributes,
    });
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(h.registration("12345")?.attributes ?? "{}")).toEqual(attributes);
  });

  it("calls broken JSON broken, even with a constructor key in it", async () => {
    const h = setup();
    const response = await h.post("/webhooks/submission", undefined, {
      rawBody: '{"event_id":"evt-1","answer_id":"12345","attributes":{"constructor":"x"},',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_json" });
  });

  it("names a constructor.prototype key in the body, writing nothing", async () => {
    const h = setup();
    const response = await h.post("/webhooks/submission", undefined, {
      rawBody:
        '{"event_id":"evt-1","answer_id":"12345","attributes":{"constructor":{"prototype":{"x":"1"}}}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "forbidden_key",
      message: expect.stringContaining('"constructor"'),
    });
    expectAllTablesEmpty(h);
  });

  it.each(["latin1", "utf-16", "windows-1251", '"iso-8859-1"'])(
    "answers 415 to a body declared charset=%s",
    async (charset) => {
      const h = setup();
      const response = await h.post(
        "/webhooks/submission",
        { event_id: "evt-1", answer_id: "12345" },
        { contentType: `application/json; charset=${charset}` },
      );
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ error: "unsupported_charset" });
      expectAllTablesEmpty(h);
    },
  );

  it("takes a body declared charset=utf-8", async () => {
    const h = setup();
    const response = await h.post(
      "/webhooks/submission",
      { event_id: "evt-1", answer_id: "12345", attributes: { city: "Казань" } },
      { contentType: "application/json; charset=UTF-8" },
    );
    expect(response.statusCode).toBe(201);
  });

  it("answers 400 invalid_utf8 to bytes that are not UTF-8 (a Windows-1251 body)", async () => {
    const h = setup();
    const text =
      '{"event_id":"evt-1","answer_id":"12345","attributes":{"city":"\u041a\u0430\u0437\u0430\u043d\u044c"}}';
    // "Казань" in Windows-1251: one byte per letter, invalid as UTF-8.
    const cp1251 = Buffer.from(
      [...text].map((char) => {
        const code = char.charCodeAt(0);
        return code >= 0x410 && code <= 0x44f ? code - 0x410 + 0xc0 : code;
      }),
    );
    const response = await h.post("/webhooks/submission", undefined, { rawBody: cp1251 });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_utf8" });
    expectAllTablesEmpty(h);
  });
});
