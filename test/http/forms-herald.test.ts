import { createHmac } from "node:crypto";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeepLinks } from "../../src/audience/deep-links.js";
import { watchForTestSubmission } from "../../src/forms/watch.js";
import { createHerald, type Herald } from "../../src/herald.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { FORM_FIELDS, PERSONAL, tallyBody } from "../forms/bodies.js";
import { TEST_DEEPLINK_SECRET, testConfig } from "../helpers/config.js";
import { type CollectedLogs, collectLogs } from "../helpers/log-collector.js";
import { listeningSandbox } from "../helpers/sandbox.js";
import { storedText } from "../helpers/stored-text.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const FORM_SECRET = "formsec-herald-7c1e9a3b5d2f8a4c6e0b";

let sandbox: Sandbox;
let herald: Herald | undefined;
let logs: CollectedLogs;
let dir: { path: string; cleanup(): void };

beforeEach(async () => {
  sandbox = await listeningSandbox();
  dir = makeTempDir();
  logs = collectLogs();
});

afterEach(async () => {
  await herald?.stop();
  herald = undefined;
  await sandbox.close();
  dir.cleanup();
});

describe("a form builder's submission reaching a running Herald", () => {
  it("tells the attendee in Telegram that their answer arrived, and reports the test submission to the organiser", async () => {
    const config = testConfig({
      BOT_API_ROOT: sandbox.url,
      DATABASE_FILE: join(dir.path, "herald.db"),
      FORM_SECRET,
      FORM_FIELDS,
    });
    herald = createHerald({ config, logger: logs.logger, version: "0.0.0-test" });
    const { httpUrl } = await herald.start();

    const attendee = sandbox.createUser({ first_name: "Мария", language_code: "en" });
    sandbox.userStarts(attendee.id);
    await sandbox.waitForBotMessage(attendee.id);
    const organiser = sandbox.createUser({ first_name: "Olga", language_code: "en" });
    sandbox.userStarts(organiser.id);
    const greeting = await sandbox.waitForBotMessage(organiser.id);
    const db = herald.database?.db;
    if (!db) throw new Error("Herald has no database");
    watchForTestSubmission(db, { provider: "tally", chatId: organiser.id, language: "en", now: Date.now() });

    // What Tally posts for a form opened from the bot's link (`?ref=…`).
    const ref = createDeepLinks({ secret: TEST_DEEPLINK_SECRET, signing: true }).formReference(attendee.id);
    const body = JSON.stringify(tallyBody({ responseId: "8cV4uQ", ref }));
    const response = await fetch(`${httpUrl}/webhooks/forms/tally`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "tally-signature": createHmac("sha256", FORM_SECRET).update(body).digest("base64"),
      },
      body,
    });
    expect(response.status).toBe(201);

    const linked = await sandbox.waitForBotMessage(attendee.id, (m) => /8cV4uQ/.test(m.text ?? ""));
    expect(linked.text).toMatch(/Application no\. 8cV4uQ has arrived/);
    const report = await sandbox.waitForBotMessage(organiser.id, (m) => m.message_id > greeting.message_id);
    expect(report.text).toMatch(/test submission from tally has arrived/);
    expect(report.text).toContain("city, track");

    await herald.stop();
    herald = undefined;
    const stored = storedText(dir.path);
    for (const value of PERSONAL) {
      expect(stored).not.toContain(value);
      expect(logs.text()).not.toContain(value);
    }
  });
});
