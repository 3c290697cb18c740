import { once } from "node:events";
import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { apiError, type Harness, rawCall, startedUser, startSandbox } from "./helpers.js";

describe("getUpdates", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startSandbox();
  });
  afterEach(() => h.close());

  it("delivers realistic message updates with bot_command entities", async () => {
    const user = h.sb.createUser({
      first_name: "Ann",
      last_name: "Lee",
      username: "ann",
      language_code: "de",
    });
    h.sb.userStarts(user.id, "evt_42");
    h.sb.userSends(user.id, "/tickets@herald_sandbox_bot now");
    h.sb.userSends(user.id, "just text");
    const updates = await h.api.getUpdates();
    expect(updates).toHaveLength(3);
    const [first, second, third] = updates as [Update, Update, Update];
    expect(second.update_id).toBe(first.update_id + 1);
    expect(first.message).toEqual({
      message_id: 1,
      from: {
        id: user.id,
        is_bot: false,
        first_name: "Ann",
        last_name: "Lee",
        username: "ann",
        language_code: "de",
      },
      chat: { id: user.id, first_name: "Ann", last_name: "Lee", username: "ann", type: "private" },
      date: expect.any(Number),
      text: "/start evt_42",
      entities: [{ type: "bot_command", offset: 0, length: 6 }],
    });
    expect(second.message?.entities).toEqual([{ type: "bot_command", offset: 0, length: 27 }]);
    expect(third.message?.entities).toBeUndefined();
  });

  it("resolves a waiting long poll when an update arrives, and offset confirms", async () => {
    const userId = h.sb.createUser({ first_name: "Ann" }).id;
    const waiting = once(h.sb.events, "poll");
    const poll = h.api.getUpdates({ timeout: 30 });
    await waiting;
    h.sb.userSends(userId, "wake up");
    const updates = await poll;
    expect(updates.map((u) => u.message?.text)).toEqual(["wake up"]);
    const last = updates.at(-1)?.update_id ?? 0;
    // Not confirmed yet: the same update comes again.
    expect((await h.api.getUpdates()).map((u) => u.update_id)).toEqual([last]);
    // Confirmed by offset = last + 1.
    expect(await h.api.getUpdates({ offset: last + 1 })).toEqual([]);
    h.sb.userSends(userId, "again");
    expect((await h.api.getUpdates()).map((u) => u.message?.text)).toEqual(["again"]);
  });

  it("answers an empty list when the poll times out", async () => {
    expect(await h.api.getUpdates({ timeout: 1 })).toEqual([]);
  });

  it("honours limit and negative offsets", async () => {
    const userId = h.sb.createUser({ first_name: "Ann" }).id;
    for (const t of ["a", "b", "c", "d"]) h.sb.userSends(userId, t);
    expect((await h.api.getUpdates({ limit: 2 })).map((u) => u.message?.text)).toEqual(["a", "b"]);
    expect((await h.api.getUpdates({ offset: -1 })).map((u) => u.message?.text)).toEqual(["d"]);
    expect((await h.api.getUpdates()).map((u) => u.message?.text)).toEqual(["d"]);
  });

  it("remembers allowed_updates and filters updates created afterwards", async () => {
    const userId = startedUser(h.sb);
    const first = await h.api.getUpdates({ allowed_updates: ["callback_query"] });
    expect(first).toHaveLength(1); // created before the filter
    const msg = await h.api.sendMessage(userId, "Pick", {
      reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] },
    });
    h.sb.userSends(userId, "filtered out");
    h.sb.userPresses(userId, { messageId: msg.message_id, data: "a" });
    // Omitting allowed_updates keeps the previous setting.
    const next = await h.api.getUpdates({ offset: (first[0]?.update_id ?? 0) + 1 });
    expect(next.map((u) => Object.keys(u).filter((k) => k !== "update_id"))).toEqual([["callback_query"]]);
    expect(next[0]?.callback_query).toMatchObject({
      from: { id: userId },
      data: "a",
      chat_instance: expect.any(String),
      message: { message_id: msg.message_id, text: "Pick" },
    });
  });

  it("answers the older of two concurrent long polls with 409 and serves the newer", async () => {
    const userId = h.sb.createUser({ first_name: "Ann" }).id;
    const waiting = once(h.sb.events, "poll");
    const older = rawCall(h.sb, "getUpdates", { timeout: 30 });
    await waiting;
    const newerWaiting = once(h.sb.events, "poll");
    const newer = h.api.getUpdates({ timeout: 30 });
    expect(await older).toEqual({
      status: 409,
      body: {
        ok: false,
        error_code: 409,
        description:
          "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      },
    });
    await newerWaiting;
    h.sb.userSends(userId, "for the newer poll");
    expect((await newer).map((u) => u.message?.text)).toEqual(["for the newer poll"]);
  });

  it("refuses getUpdates while a webhook is set", async () => {
    expect((await apiError(h.api.setWebhook("http://insecure.example/hook"))).description).toBe(
      "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
    );
    await h.api.setWebhook("https://herald.example/hook", { secret_token: "s3cret" });
    expect(await h.api.getWebhookInfo()).toMatchObject({
      url: "https://herald.example/hook",
      pending_update_count: 0,
    });
    const err = await apiError(h.api.getUpdates());
    expect(err.error_code).toBe(409);
    expect(err.description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );
    await h.api.deleteWebhook();
    await expect(h.api.getUpdates()).resolves.toEqual([]);
  });

  it("turns a block into my_chat_member updates and 403s", async () => {
    const userId = startedUser(h.sb);
    await h.api.getUpdates({ offset: -1 });
    const skip = (await h.api.getUpdates()).at(-1)?.update_id ?? 0;
    h.sb.blockBot(userId);
    const [blocked] = await h.api.getUpdates({ offset: skip + 1 });
    expect(blocked?.my_chat_member).toMatchObject({
      chat: { id: userId, type: "private" },
      from: { id: userId, is_bot: false },
      old_chat_member: { status: "member", user: { id: 123456789, is_bot: true } },
      new_chat_member: { status: "kicked", until_date: 0, user: { id: 123456789 } },
    });
    expect((await apiError(h.api.sendMessage(userId, "x"))).error_code).toBe(403);
    h.sb.unblockBot(userId);
    const [unblocked] = await h.api.getUpdates({ offset: (blocked?.update_id ?? 0) + 1 });
    expect(unblocked?.my_chat_member).toMatchObject({
      old_chat_member: { status: "kicked" },
      new_chat_member: { status: "member" },
    });
    await expect(h.api.sendMessage(userId, "welcome back")).resolves.toBeDefined();
  });

  it("keeps update queues separate per bot", async () => {
    await h.close();
    const second = { token: "987654321:SECOND_sandbox_bot", username: "second_bot", first_name: "Second" };
    h = await startSandbox({
      bots: [
        {
          token: "123456789:SANDBOX_token_for_local_use_only",
          username: "herald_sandbox_bot",
          first_name: "Herald",
        },
        second,
      ],
    });
    const userId = h.sb.createUser({ first_name: "Ann" }).id;
    h.sb.userSends(userId, "to second", { botToken: second.token });
    expect(await h.api.getUpdates()).toEqual([]);
    const answer = await rawCall(h.sb, "getUpdates", {}, { token: second.token });
    expect(answer.body.result).toHaveLength(1);
  });
});
