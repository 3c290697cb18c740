import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHerald, type Herald } from "../../src/herald.js";
import { createWebhookClient } from "../../src/http/client.js";
import type { Sandbox, SandboxUser } from "../../src/sandbox/index.js";
import { createChatReader, pressButton } from "../helpers/bot-chat.js";
import { TEST_TOKEN, TEST_WEBHOOK_SECRET, testConfig } from "../helpers/config.js";
import { collectLogs } from "../helpers/log-collector.js";
import { listeningSandbox, NO_FLOOD_LIMITS } from "../helpers/sandbox.js";
import { makeTempDir } from "../helpers/temp-dir.js";

let sandbox: Sandbox;
let herald: Herald | undefined;
let dir: { path: string; cleanup(): void };
let organiser: SandboxUser;

beforeEach(async () => {
  sandbox = await listeningSandbox({ limits: NO_FLOOD_LIMITS });
  dir = makeTempDir();
  organiser = sandbox.createUser({ first_name: "Olga", language_code: "en" }, { started: true });
});

afterEach(async () => {
  await herald?.stop();
  herald = undefined;
  await sandbox.close();
  dir.cleanup();
});

describe("compose and parameters some recipients lack", { timeout: 120_000 }, () => {
  it("previews for a recipient who has them all, and says how many lack one with no fallback", async () => {
    const config = testConfig({
      BOT_API_ROOT: sandbox.url,
      DATABASE_FILE: join(dir.path, "herald.db"),
      ADMIN_IDS: String(organiser.id),
      QUIET_HOURS: "off",
    });
    herald = createHerald({ config, logger: collectLogs([TEST_TOKEN]).logger, version: "0.0.0-test" });
    const webhooks = createWebhookClient((await herald.start()).httpUrl, TEST_WEBHOOK_SECRET);

    // The first attendee (the one a preview used to pick) has no hall; the other two have one.
    for (const [i, hall] of [undefined, "A", "B"].entries()) {
      const user = sandbox.createUser({ first_name: `Guest${i}`, language_code: "ru" });
      const answerId = String(7000 + i);
      await webhooks.submit(answerId, { attributes: hall ? { hall } : {} });
      const link = await webhooks.deepLink(answerId);
      sandbox.userStarts(user.id, String(link.body.payload));
      await sandbox.waitForBotMessage(user.id, (m) => (m.text ?? "").includes(answerId));
    }

    const chat = createChatReader(sandbox, organiser.id);
    const press = (message: Parameters<typeof pressButton>[2], label: RegExp) =>
      pressButton(sandbox, organiser.id, message, label, organiser.id);
    sandbox.userSends(organiser.id, "/new");
    await chat.next(/^New broadcast/);
    sandbox.userSends(organiser.id, "Answer {answer_id}, your hall — {hall}. Ticket: {ticket_url|soon}.");
    press(await chat.next(/^Add URL buttons/), /No buttons/);
    press(await chat.next(/^Who receives it\?/), /^Linked a registration/);
    press(await chat.next(/^Plan\n/), /Continue/);

    await chat.next(/^Answer 7001, your hall — A\. Ticket: soon\.$/);
    const intro = await chat.next(/^Above: the message as one recipient \(answer no\. 7001\)/);
    expect(intro.text).toContain("1 of 3 recipients have no {hall}, and there is no fallback");
    expect(intro.text).toContain("{hall|…}");
  });
});
