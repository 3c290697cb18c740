import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatRecord, SandboxStats } from "../../src/sandbox/index.js";
import { type Harness, startSandbox } from "./helpers.js";

async function control(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${h.sb.url}${path}`, {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    }),
  });
  return { status: res.status, json: await res.json() };
}

describe("control API", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startSandbox();
  });
  afterEach(() => h.close());

  it("round-trips users, messages, documents, callbacks and transcripts", async () => {
    const created = await control(h, "POST", "/sandbox/users", { first_name: "Zoe", username: "zoe" });
    expect(created.status).toBe(201);
    const user = created.json as { id: number; is_bot: boolean };
    expect(user).toEqual({ id: 100000001, is_bot: false, first_name: "Zoe", username: "zoe" });

    const start = await control(h, "POST", `/sandbox/users/${user.id}/start`, { payload: "ref_1" });
    expect(start.json).toMatchObject({ from: "user", text: "/start ref_1", message_id: 1 });

    const sent = await h.api.sendMessage(user.id, "Choose", {
      reply_markup: { inline_keyboard: [[{ text: "Yes", callback_data: "yes" }]] },
    });
    const pressed = await control(h, "POST", `/sandbox/users/${user.id}/callbacks`, {
      message_id: sent.message_id,
      data: "yes",
    });
    expect(pressed.json).toEqual({ callback_query_id: expect.any(String) });

    const doc = await control(h, "POST", `/sandbox/users/${user.id}/documents`, {
      file_name: "list.txt",
      content_base64: Buffer.from("hello").toString("base64"),
      caption: "see",
    });
    expect(doc.json).toMatchObject({ caption: "see", document: { file_name: "list.txt", file_size: 5 } });
    await control(h, "POST", `/sandbox/users/${user.id}/messages`, { text: "thanks" });

    const transcript = await control(h, "GET", `/sandbox/chats/${user.id}/messages`);
    expect((transcript.json as ChatRecord[]).map((r) => [r.from, r.text ?? r.caption])).toEqual([
      ["user", "/start ref_1"],
      ["bot", "Choose"],
      ["user", "see"],
      ["user", "thanks"],
    ]);

    const updates = await h.api.getUpdates();
    expect(updates.map((u) => Object.keys(u)[1])).toEqual([
      "message",
      "callback_query",
      "message",
      "message",
    ]);
  });

  it("creates groups, blocks users, reads stats, resets them and patches config", async () => {
    const a = (await control(h, "POST", "/sandbox/users", { first_name: "A" })).json as { id: number };
    const group = await control(h, "POST", "/sandbox/groups", {
      title: "Crew",
      member_ids: [a.id],
      type: "group",
    });
    expect(group).toEqual({ status: 201, json: { id: -1001000000001, title: "Crew", type: "group" } });
    await control(h, "POST", `/sandbox/users/${a.id}/messages`, {
      text: "in group",
      chat_id: -1001000000001,
    });
    await control(h, "POST", `/sandbox/users/${a.id}/start`);
    await h.api.sendMessage(a.id, "hi");
    expect(await control(h, "POST", `/sandbox/users/${a.id}/block`)).toEqual({
      status: 200,
      json: { ok: true },
    });
    await expect(h.api.sendMessage(a.id, "x")).rejects.toThrow(/blocked/);

    const stats = (await control(h, "GET", "/sandbox/stats")).json as SandboxStats;
    expect(stats).toMatchObject({ messagesSent: 1, errors: { "403": 1 }, byMethod: { sendMessage: 2 } });
    await control(h, "POST", "/sandbox/stats/reset");
    expect(((await control(h, "GET", "/sandbox/stats")).json as SandboxStats).requests).toBe(0);

    const patched = await control(h, "PATCH", "/sandbox/config", {
      limits: { bulkPerSecond: 5 },
      faults: { errorRate: 0.5 },
      latency: { minMs: 1, maxMs: 2 },
    });
    expect(patched.json).toMatchObject({
      limits: { bulkPerSecond: 5, chatBurst: 3 },
      faults: { errorRate: 0.5, slowMs: 2000 },
      latency: { minMs: 1, maxMs: 2 },
    });
    expect(h.sb.limits.bulkPerSecond).toBe(5);

    await h.api.setMyCommands([{ command: "help", description: "Help" }]);
    expect((await control(h, "GET", "/sandbox/commands")).json).toEqual([
      { scope: { type: "default" }, commands: [{ command: "help", description: "Help" }] },
    ]);
  });

  it("switches the flood model, starts and ends outages, and reports violations", async () => {
    expect((await control(h, "GET", "/sandbox/config")).json).toMatchObject({
      model: "strict",
      hiddenRate: 24,
      outage: { active: false, remainingMs: 0 },
    });
    const patched = await control(h, "PATCH", "/sandbox/config", { model: "hidden", hiddenRate: 20 });
    expect(patched.json).toMatchObject({
      model: "hidden",
      hiddenRate: 20,
      latency: { minMs: 15, maxMs: 25 },
    });
    expect(h.sb.model).toBe("hidden");
    expect((await control(h, "PATCH", "/sandbox/config", { model: "lenient" })).status).toBe(400);
    expect((await control(h, "PATCH", "/sandbox/config", { hiddenRate: 0 })).status).toBe(400);
    expect((await control(h, "PATCH", "/sandbox/config", { hiddenRate: "fast" })).status).toBe(400);

    await control(h, "PATCH", "/sandbox/config", { model: "strict", latency: { minMs: 0, maxMs: 0 } });
    const ann = h.sb.createUser({ first_name: "Ann" }, { started: true }).id;
    for (let i = 0; i < 3; i++) await h.api.sendMessage(ann, `m${i}`);
    await expect(h.api.sendMessage(ann, "over")).rejects.toThrow(/429/);
    await expect(h.api.sendMessage(ann, "again")).rejects.toThrow(/retry after 6/);
    const stats = (await control(h, "GET", "/sandbox/stats")).json as SandboxStats;
    expect(stats).toMatchObject({
      http429: 2,
      violations: { bulk: 0, perChat: 1, group: 0, penalty: 1 },
      outageCalls: 0,
    });

    const outage = await control(h, "POST", "/sandbox/outage", { seconds: 30, modes: ["5xx"] });
    expect(outage.json).toMatchObject({ active: true });
    await expect(h.api.getMe()).rejects.toThrow(/50[02]/);
    expect(h.sb.stats().outageCalls).toBe(1);
    expect((await control(h, "DELETE", "/sandbox/outage")).json).toEqual({ active: false, remainingMs: 0 });
    await expect(h.api.getMe()).resolves.toMatchObject({ is_bot: true });
    expect((await control(h, "POST", "/sandbox/outage", {})).status).toBe(400);
    expect((await control(h, "POST", "/sandbox/outage", { seconds: 5, modes: ["boom"] })).status).toBe(400);
    expect((await control(h, "POST", "/sandbox/outage", { seconds: -1 })).status).toBe(400);

    await control(h, "POST", "/sandbox/stats/reset");
    expect((await control(h, "GET", "/sandbox/stats")).json).toMatchObject({
      violations: { bulk: 0, perChat: 0, group: 0, penalty: 0 },
      outageCalls: 0,
    });
  });

  it("answers bad input with 400 and unknown users or chats with 404", async () => {
    expect(await control(h, "POST", "/sandbox/users", {})).toEqual({
      status: 400,
      json: { error: "bad_request", message: "first_name is required" },
    });
    expect((await control(h, "POST", "/sandbox/users/555/messages", { text: "x" })).status).toBe(404);
    expect((await control(h, "POST", "/sandbox/users/abc/messages", { text: "x" })).status).toBe(400);
    expect((await control(h, "GET", "/sandbox/chats/-42/messages")).status).toBe(404);
    expect((await control(h, "PATCH", "/sandbox/config", { faults: { errorRate: 2 } })).status).toBe(400);
    expect((await control(h, "PATCH", "/sandbox/config", { limits: { bulkPerSecond: -1 } })).status).toBe(
      400,
    );
    const raw = await fetch(`${h.sb.url}/sandbox/users`, { method: "POST", body: "{nope" });
    expect(raw.status).toBe(400);
    expect((await control(h, "GET", "/sandbox/nowhere")).status).toBe(404);
  });

  it("sends formatted text, photos, stickers and videos, and reads files and command menus", async () => {
    const organiser = h.sb.createUser({ first_name: "Olga", language_code: "en" }).id;
    const helper = h.sb.createUser({ first_name: "Hal" }).id;
    const group = await control(h, "POST", "/sandbox/groups", {
      title: "Organisers",
      member_ids: [helper],
      admin_ids: [organiser],
    });
    const groupId = (group.json as { id: number }).id;
    expect(await h.api.getChatMember(groupId, organiser)).toMatchObject({ status: "administrator" });

    const text = await control(h, "POST", `/sandbox/users/${organiser}/messages`, {
      text: "/broadcast now",
      entities: [{ type: "bold", offset: 11, length: 3 }],
    });
    expect((text.json as ChatRecord).entities).toEqual([
      { type: "bot_command", offset: 0, length: 10 },
      { type: "bold", offset: 11, length: 3 },
    ]);
    const photo = await control(h, "POST", `/sandbox/users/${organiser}/photos`, {
      caption: "Stage",
      width: 400,
      height: 300,
      chat_id: groupId,
    });
    const sizes = (photo.json as ChatRecord).photo ?? [];
    expect(sizes.map((p) => [p.width, p.height])).toEqual([
      [90, 68],
      [320, 240],
      [400, 300],
    ]);
    const sticker = await control(h, "POST", `/sandbox/users/${organiser}/stickers`, { emoji: "🎉" });
    expect((sticker.json as ChatRecord).sticker).toMatchObject({ emoji: "🎉", type: "regular" });
    const video = await control(h, "POST", `/sandbox/users/${organiser}/videos`, {
      content_base64: Buffer.from("mp4!").toString("base64"),
      caption: "Teaser",
      duration: 5,
    });
    const videoId = (video.json as ChatRecord).video?.file_id ?? "";
    expect(await control(h, "GET", `/sandbox/files/${encodeURIComponent(videoId)}`)).toEqual({
      status: 200,
      json: { file_id: videoId, content_base64: Buffer.from("mp4!").toString("base64") },
    });
    expect((await control(h, "GET", "/sandbox/files/nope")).status).toBe(404);
    expect((await control(h, "POST", `/sandbox/users/${organiser}/photos`, { width: -1 })).status).toBe(400);

    await h.api.setMyCommands([{ command: "help", description: "Help" }]);
    await h.api.setMyCommands([{ command: "export", description: "Export" }], {
      scope: { type: "chat_administrators", chat_id: groupId },
    });
    const menu = async (userId: number) =>
      (await control(h, "GET", `/sandbox/chats/${groupId}/commands?user_id=${userId}`)).json;
    expect(await menu(organiser)).toEqual([{ command: "export", description: "Export" }]);
    expect(await menu(helper)).toEqual([{ command: "help", description: "Help" }]);
  });
});

describe("waitForBotMessage", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox();
    userId = h.sb.createUser({ first_name: "Ann" }).id;
    h.sb.userStarts(userId);
  });
  afterEach(() => h.close());

  it("resolves with an existing matching message", async () => {
    await h.api.sendMessage(userId, "first");
    await h.api.sendMessage(userId, "second");
    const m = await h.sb.waitForBotMessage(userId, (r) => r.text === "second");
    expect(m.message_id).toBe(3);
    expect((await h.sb.waitForBotMessage(userId)).text).toBe("first");
  });

  it("resolves with a future message and re-checks edits", async () => {
    const future = h.sb.waitForBotMessage(userId, (r) => r.text?.startsWith("Ticket") ?? false);
    const edited = h.sb.waitForBotMessage(userId, (r) => r.text === "Paid ✅");
    const msg = await h.api.sendMessage(userId, "Ticket #1");
    expect((await future).message_id).toBe(msg.message_id);
    await h.api.editMessageText(userId, msg.message_id, "Paid ✅");
    const rec = await edited;
    expect(rec.edits).toHaveLength(1);
    expect(rec.text).toBe("Paid ✅");
  });

  it("rejects with an error naming the chat and what it saw", async () => {
    await h.api.sendMessage(userId, "Something else");
    await expect(
      h.sb.waitForBotMessage(userId, (r) => r.text === "never", { timeoutMs: 20 }),
    ).rejects.toThrow(
      `waitForBotMessage: no matching bot message in chat ${userId} after 20 ms; saw 1 bot message(s): #2 sendMessage "Something else"`,
    );
    await expect(h.sb.waitForBotMessage(424242)).rejects.toThrow(/unknown user 424242/);
  });

  it("emits message and request events", async () => {
    const seen: string[] = [];
    h.sb.events.on("message", (r: ChatRecord) => seen.push(`message:${r.text}`));
    h.sb.events.on("request", (e: { method: string; status: number }) =>
      seen.push(`request:${e.method}:${e.status}`),
    );
    await h.api.sendMessage(userId, "evt");
    expect(seen).toEqual(["message:evt", "request:sendMessage:200"]);
  });
});
