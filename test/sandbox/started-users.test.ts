import { Api, GrammyError } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { createSandbox, DEFAULT_SANDBOX_TOKEN, type Sandbox } from "../../src/sandbox/index.js";

let sandbox: Sandbox;
afterEach(async () => {
  await sandbox.close();
});

describe("users who started the bot before the test", () => {
  it("can be written to at once, with no update queued and no reply exemption", async () => {
    sandbox = createSandbox({ limits: { bulkPerSecond: 2, chatPerSecond: 0 } });
    await sandbox.listen();
    const api = new Api(DEFAULT_SANDBOX_TOKEN, { apiRoot: sandbox.url });
    const users = sandbox.createUsers(
      Array.from({ length: 3 }, (_, i) => ({ first_name: `U${i}` })),
      { started: true },
    );
    const stranger = sandbox.createUser({ first_name: "Never started" });

    await api.sendMessage(users[0]?.id as number, "one");
    await api.sendMessage(users[1]?.id as number, "two");
    // The bulk bucket (2/s) applies: a started user is not someone who just wrote to the bot.
    await expect(api.sendMessage(users[2]?.id as number, "three")).rejects.toMatchObject({ error_code: 429 });
    await expect(api.sendMessage(stranger.id, "hi")).rejects.toBeInstanceOf(GrammyError);
    expect(await api.getUpdates({ timeout: 0 })).toEqual([]);
  });
});
