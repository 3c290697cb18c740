import { join } from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { createDeepLinks, type DeepLinks } from "../../src/audience/deep-links.js";
import { createRegistrations } from "../../src/audience/registrations.js";
import { recordStart } from "../../src/audience/subscribers.js";
import type { Config } from "../../src/config.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { buildServer } from "../../src/http/server.js";
import type { OutgoingMessage } from "../../src/messages/outgoing.js";
import { testConfig } from "../helpers/config.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { type CollectedLogs, collectLogs } from "../helpers/log-collector.js";
import { signedPost } from "../helpers/signed-request.js";
import { storedText } from "../helpers/stored-text.js";
import { userTables } from "../helpers/tables.js";
import { makeTempDir } from "../helpers/temp-dir.js";

export const FORM_SECRET = "formsec-test-4e8a1c7b3d9f2a6e0c5b";
export const DEEPLINK_SECRET = "dlsec-test-9a7c5e3b1d8f6a4c2e0b";
export const BOT = "herald_test_bot";
export const WEBHOOK_SECRET = "whsec-forms-test-3c5e7a9b1d2f4a6c8e0b";

export interface FormHarness {
  app: FastifyInstance;
  database: HeraldDatabase;
  clock: FakeClock;
  logs: CollectedLogs;
  deepLinks: DeepLinks;
  config: Config;
  send(request: InjectOptions): Promise<LightMyRequestResponse>;
  /** Every row of every table but the migrations', to prove a refused request wrote nothing. */
  snapshot(): Record<string, unknown[]>;
  rows(table: string): Array<Record<string, unknown>>;
  deliveries(): Array<{ job_key: string; telegram_id: number; message: OutgoingMessage }>;
  wakeUps(): number;
  /** Wake-ups that came while a transaction was still open: the sender could claim uncommitted rows. */
  wakeUpsInTransaction(): number;
  /** The organiser's signed submission webhook, served by the same server. */
  postWebhook(url: string, body: unknown): Promise<LightMyRequestResponse>;
  subscribe(telegramId: number): void;
  /** Closes the server and the database, then returns the file's and the WAL's bytes as text. */
  closeAndReadFile(): Promise<string>;
  close(): Promise<void>;
}

/** The real HTTP server with the form doors, on a SQLite file, with FORM_* settings from `env`. */
export function formHarness(env: Record<string, string> = {}): FormHarness {
  const folder = makeTempDir("herald-forms-");
  const database = openDatabase(join(folder.path, "herald.db"));
  const { db, sqlite } = database;
  const clock = createFakeClock();
  // No secrets given to the collector: its scrubbing would hide a leak the tests look for.
  const logs = collectLogs();
  const config = testConfig({ DEEPLINK_SECRET, FORM_SECRET, ...env });
  const deepLinks = createDeepLinks({ secret: DEEPLINK_SECRET, signing: true });
  let wakeUps = 0;
  let wakeUpsInTransaction = 0;
  const wake = () => {
    wakeUps++;
    if (sqlite.inTransaction) wakeUpsInTransaction++;
  };
  const registrations = createRegistrations({ db, clock, onQueued: wake });
  const app = buildServer({
    logger: logs.logger,
    version: "0.0.0-test",
    pingDatabase: () => {},
    botIdentity: () => ({ id: 1, username: BOT }),
    webhooks: {
      db,
      clock,
      webhookSecret: WEBHOOK_SECRET,
      registrations,
      deepLinks,
      botUsername: () => BOT,
      onQueued: wake,
    },
    forms: {
      db,
      clock,
      forms: config.forms,
      registrations,
      deepLinks,
      botUsername: () => BOT,
      onQueued: wake,
    },
  });
  const tables = userTables(sqlite);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    database.close();
  };
  const rows = (table: string) =>
    sqlite.prepare(`SELECT * FROM "${table}"`).all() as Array<Record<string, unknown>>;
  return {
    app,
    database,
    clock,
    logs,
    deepLinks,
    config,
    send: (request) => app.inject(request),
    snapshot: () => Object.fromEntries(tables.map((table) => [table, rows(table)])),
    rows,
    deliveries: () =>
      (rows("deliveries") as Array<{ job_key: string; telegram_id: number; payload: string }>).map((row) => ({
        job_key: row.job_key,
        telegram_id: row.telegram_id,
        message: JSON.parse(row.payload) as OutgoingMessage,
      })),
    wakeUps: () => wakeUps,
    wakeUpsInTransaction: () => wakeUpsInTransaction,
    postWebhook: (url, body) => app.inject(signedPost(clock, WEBHOOK_SECRET, url, body)),
    subscribe: (telegramId) => {
      recordStart(db, { telegramId, language: "en", now: clock.now() });
    },
    closeAndReadFile: async () => {
      await close();
      const text = storedText(folder.path);
      folder.cleanup();
      return text;
    },
    close: async () => {
      await close();
      folder.cleanup();
    },
  };
}
