import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { createDeepLinks, type DeepLinks } from "../../src/audience/deep-links.js";
import { createRegistrations } from "../../src/audience/registrations.js";
import { recordStart } from "../../src/audience/subscribers.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { buildServer } from "../../src/http/server.js";
import type { OutgoingMessage } from "../../src/messages/outgoing.js";
import { decisionJobs, decisionOfJob, rejectionJobKey, ticketJobKey } from "../../src/outbox/tickets.js";
import { createFakeClock } from "../helpers/fake-clock.js";
import { collectLogs } from "../helpers/log-collector.js";
import { signedPost } from "../helpers/signed-request.js";

const WEBHOOK_SECRET = "whsec-test-ticket-url-0123456789";
const ATTENDEE = 700_000_002;

/** What a tester sent as ticket links: each was answered "200 queued", then refused by Telegram. */
const REFUSED = [
  "https://[tickets.example.org/t/1",
  "http://:::",
  "https://example.org:99999/t",
  "https://<script>alert(1)</script>",
  'https://tickets.example.org/t/1?name="Ann"',
  "http://localhost:8080/t/1",
  "https:///t/1",
  "https://tickets..example.org/t/1",
  "https://tickets.example.org:0/t/1",
  "https://tickets.example.org/t/1\\x",
  "https://tickets.example.org/t/'1'",
];

const TAKEN = [
  "https://билеты.пример.рф/t/1",
  "https://tickets.example.org:8443/t/1",
  "https://tickets.example.org/t/1?who=a%20b&lang=ru",
  "http://[2001:db8::1]:8443/t/1",
];

interface Harness {
  app: FastifyInstance;
  database: HeraldDatabase;
  deepLinks: DeepLinks;
  post(body: Record<string, unknown>, url?: string): Promise<LightMyRequestResponse>;
  rows(table: "registrations" | "webhook_events" | "deliveries"): Array<Record<string, unknown>>;
}

const open: Harness[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.app.close();
    h.database.close();
  }
});

function setup(): Harness {
  const database = openDatabase(":memory:");
  const clock = createFakeClock();
  const deepLinks = createDeepLinks({ secret: "dlsec-test-ticket-url-0123456789", signing: true });
  const app = buildServer({
    logger: collectLogs().logger,
    version: "0.0.0-test",
    pingDatabase: () => {},
    botIdentity: () => ({ id: 1, username: "herald_test_bot" }),
    webhooks: {
      db: database.db,
      clock,
      webhookSecret: WEBHOOK_SECRET,
      registrations: createRegistrations({ db: database.db, clock }),
      deepLinks,
      botUsername: () => "herald_test_bot",
    },
  });
  const h: Harness = {
    app,
    database,
    deepLinks,
    post: (body, url = "/webhooks/moderation") => app.inject(signedPost(clock, WEBHOOK_SECRET, url, body)),
    rows: (table) =>
      database.sqlite.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>,
  };
  recordStart(database.db, { telegramId: ATTENDEE, language: "en", now: clock.now() });
  open.push(h);
  return h;
}

const approve = (answerId: string, ticketUrl: string, eventId = `mod-${answerId}`) => ({
  event_id: eventId,
  answer_id: answerId,
  decision: "approved",
  ticket_url: ticketUrl,
});

describe("POST /webhooks/moderation: a ticket link Telegram will take", () => {
  it.each(REFUSED)("refuses %j with 400 naming ticket_url, writing no row", async (ticketUrl) => {
    const h = setup();
    const response = await h.post(approve("777", ticketUrl));

    expect(response.statusCode).toBe(400);
    const body = response.json() as { error: string; message: string };
    expect(body.error).toBe("ticket_url_invalid");
    expect(body.message).toMatch(/^body\/ticket_url .+: Telegram would refuse it on the ticket's button$/);
    expect(h.rows("registrations")).toEqual([]);
    expect(h.rows("webhook_events")).toEqual([]);
    expect(h.rows("deliveries")).toEqual([]);
  });

  it("names the reason in plain English", async () => {
    const h = setup();
    const message = async (url: string) => (await h.post(approve("777", url))).json().message as string;
    expect(await message("https://example.org:99999/t")).toContain(
      "is not a valid link (check the host and the port)",
    );
    expect(await message("https://<script>alert(1)</script>")).toContain("angle bracket (< >)");
    expect(await message("http://localhost:8080/t/1")).toContain('host "localhost" with no dot in it');
  });

  it("refuses a link of 2049 characters at the schema, naming ticket_url", async () => {
    const h = setup();
    const base = "https://tickets.example.org/t/";
    const response = await h.post(approve("777", base + "a".repeat(2049 - base.length)));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "invalid_body",
      message: "body/ticket_url must NOT have more than 2048 characters",
    });
    expect(h.rows("registrations")).toEqual([]);
    expect(h.rows("webhook_events")).toEqual([]);
  });

  it("refuses a broken link sent with a rejection too", async () => {
    const h = setup();
    const response = await h.post({ ...approve("777", "https://<b>"), decision: "rejected" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "ticket_url_invalid" });
    expect(h.rows("registrations")).toEqual([]);
  });

  it.each(TAKEN)("takes %j and queues it on the ticket's button as sent", async (ticketUrl) => {
    const h = setup();
    await bind(h, "888");
    const response = await h.post(approve("888", ticketUrl));

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ delivery: "queued", ticket_version: 1 });
    const ticket = h.rows("deliveries").find((row) => row.job_key === "ticket:888:v1");
    const message = JSON.parse(String(ticket?.payload)) as OutgoingMessage;
    expect(message.buttons?.[0]?.[0]?.url).toBe(ticketUrl);
  });

  it("does not remember a refusal: the same event id with a fixed link goes through", async () => {
    const h = setup();
    await bind(h, "888");
    const tables = () => ({
      registrations: h.rows("registrations"),
      webhook_events: h.rows("webhook_events"),
      deliveries: h.rows("deliveries"),
    });
    const before = tables();

    const refused = await h.post(approve("888", "https://tickets.example.org/t/<888>", "mod-fix"));
    expect(refused.statusCode).toBe(400);
    expect(tables()).toEqual(before);

    const fixed = await h.post(approve("888", "https://tickets.example.org/t/888", "mod-fix"));
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json()).toMatchObject({ delivery: "queued" });
    expect(h.rows("webhook_events").map((row) => row.event_id)).toEqual(["sub-888", "mod-fix"]);
  });

  it("queues tickets and rejections under the job keys the failure report recognises", async () => {
    const h = setup();
    await bind(h, "888");
    await bind(h, "889");
    expect((await h.post(approve("888", "https://tickets.example.org/t/888"))).statusCode).toBe(200);
    const rejected = await h.post({ event_id: "mod-889", answer_id: "889", decision: "rejected" });
    expect(rejected.statusCode).toBe(200);

    // The keys are the ones tickets.ts makes, and both its parser and its SQL pick out exactly those rows.
    const keys = h.rows("deliveries").map((row) => String(row.job_key));
    expect(keys).toEqual(expect.arrayContaining([ticketJobKey("888", 1), rejectionJobKey("889")]));
    expect(keys.flatMap((key) => decisionOfJob(key) ?? [])).toEqual([
      { answerId: "888", kind: "ticket" },
      { answerId: "889", kind: "rejection" },
    ]);
    expect(
      h.database.sqlite.prepare(`SELECT job_key FROM deliveries WHERE ${decisionJobs()} ORDER BY id`).all(),
    ).toEqual([{ job_key: "ticket:888:v1" }, { job_key: "rejection:889" }]);
    expect(keys.length).toBeGreaterThan(2);
    expect(decisionOfJob("linked:888")).toBeUndefined();
    expect(decisionOfJob("broadcast:1")).toBeUndefined();
    expect(decisionOfJob("rejections:888")).toBeUndefined();
    expect(decisionOfJob(rejectionJobKey("A9"))).toEqual({ answerId: "A9", kind: "rejection" });
    expect(decisionOfJob(ticketJobKey("A9", 12))).toEqual({ answerId: "A9", kind: "ticket" });
  });
});

/** The attendee's answer, bound to their chat through the bot's own form reference. */
async function bind(h: Harness, answerId: string): Promise<void> {
  const response = await h.post(
    { event_id: `sub-${answerId}`, answer_id: answerId, ref: h.deepLinks.formReference(ATTENDEE) },
    "/webhooks/submission",
  );
  expect(response.statusCode).toBe(201);
}
