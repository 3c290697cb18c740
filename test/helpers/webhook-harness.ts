import { eq } from "drizzle-orm";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { createDeepLinks, type DeepLinks } from "../../src/audience/deep-links.js";
import { createRegistrations, type Registrations } from "../../src/audience/registrations.js";
import { recordStart } from "../../src/audience/subscribers.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { deliveries, registrations } from "../../src/db/schema.js";
import { buildServer } from "../../src/http/server.js";
import type { OutgoingMessage } from "../../src/messages/outgoing.js";
import { createFakeClock, type FakeClock } from "./fake-clock.js";
import { type CollectedLogs, collectLogs } from "./log-collector.js";
import { type SignOptions, signedPost } from "./signed-request.js";
import { userTables } from "./tables.js";

/* The HTTP face with the webhook routes on an in-memory database, as the webhook tests drive it. */

export const WEBHOOK_SECRET = "whsec-test-7f3a9c1e5b2d8f4a6c0e";
export const DEEPLINK_SECRET = "dlsec-test-2b4d6f8a0c1e3a5c7e9b";
export const BOT = "herald_test_bot";
export const ATTENDEE = 700_000_001;

export interface Harness {
  app: FastifyInstance;
  database: HeraldDatabase;
  clock: FakeClock;
  logs: CollectedLogs;
  deepLinks: DeepLinks;
  registrations: Registrations;
  /** Wake-ups of the sender since the last `forgetQueued()`. */
  queuedCalls(): number;
  forgetQueued(): void;
  post(url: string, body: unknown, options?: SignOptions): Promise<LightMyRequestResponse>;
  /** Every row of every table, to prove a refused request wrote nothing. */
  snapshot(): Record<string, unknown[]>;
  registration(answerId: string): typeof registrations.$inferSelect | undefined;
  deliveryRows(): Array<typeof deliveries.$inferSelect>;
  delivery(jobKey: string): (typeof deliveries.$inferSelect & { message: OutgoingMessage }) | undefined;
  /** A subscriber who speaks English, so message texts are readable here. */
  subscribe(telegramId: number): void;
}

const open: Harness[] = [];

/** Closes every harness made since the last call: each test file runs it in its own afterEach. */
export async function closeHarnesses(): Promise<void> {
  for (const harness of open.splice(0)) {
    await harness.app.close();
    harness.database.close();
  }
}

export function setup(options: { botUsername?: string } = { botUsername: BOT }): Harness {
  const database = openDatabase(":memory:");
  const { db, sqlite } = database;
  const clock = createFakeClock();
  // No secrets given to the collector: its scrubbing would hide a leak the tests look for.
  const logs = collectLogs();
  const deepLinks = createDeepLinks({ secret: DEEPLINK_SECRET, signing: true });
  let queued = 0;
  const regs = createRegistrations({ db, clock, onQueued: () => queued++ });
  const app = buildServer({
    logger: logs.logger,
    version: "0.0.0-test",
    pingDatabase: () => {},
    botIdentity: () => (options.botUsername ? { id: 1, username: options.botUsername } : undefined),
    webhooks: {
      db,
      clock,
      webhookSecret: WEBHOOK_SECRET,
      registrations: regs,
      deepLinks,
      botUsername: () => options.botUsername,
      // The routes wake the sender after their transaction commits; the domain does not, inside one.
      onQueued: () => queued++,
    },
  });
  const tables = userTables(sqlite);

  const harness: Harness = {
    app,
    database,
    clock,
    logs,
    deepLinks,
    registrations: regs,
    queuedCalls: () => queued,
    forgetQueued: () => {
      queued = 0;
    },
    post: (url, body, signOptions) => app.inject(signedPost(clock, WEBHOOK_SECRET, url, body, signOptions)),
    snapshot: () =>
      Object.fromEntries(tables.map((table) => [table, sqlite.prepare(`SELECT * FROM "${table}"`).all()])),
    registration: (answerId) =>
      db.select().from(registrations).where(eq(registrations.answerId, answerId)).get(),
    // Decisions only: the bot-first "your application arrived" note has its own test.
    deliveryRows: () =>
      db
        .select()
        .from(deliveries)
        .all()
        .filter((row) => !row.jobKey.startsWith("linked:")),
    delivery: (jobKey) => {
      const row = db.select().from(deliveries).where(eq(deliveries.jobKey, jobKey)).get();
      return row && { ...row, message: JSON.parse(row.payload ?? "null") as OutgoingMessage };
    },
    subscribe: (telegramId) => {
      recordStart(db, { telegramId, language: "en", now: clock.now() });
    },
  };
  open.push(harness);
  return harness;
}

export function expectAllTablesEmpty(h: Harness): void {
  const snapshot = h.snapshot();
  expect(Object.keys(snapshot)).toEqual(
    expect.arrayContaining([
      "bind_conflicts",
      "deliveries",
      "registrations",
      "subscribers",
      "webhook_events",
    ]),
  );
  for (const [table, rows] of Object.entries(snapshot)) {
    expect(rows, `rows in ${table}`).toEqual([]);
  }
}
