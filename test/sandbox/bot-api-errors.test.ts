import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError, type Harness, rawCall, startedUser, startSandbox } from "./helpers.js";

describe("Bot API error answers", () => {
  let h: Harness;
  let userId: number;
  beforeAll(async () => {
    h = await startSandbox({ limits: { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 } });
    userId = startedUser(h.sb);
  });
  afterAll(() => h.close());

  it("answers a wrong token with 401 and an unknown method with 404", async () => {
    expect(await rawCall(h.sb, "getMe", undefined, { token: "1:nope" })).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: "Unauthorized" },
    });
    expect(await rawCall(h.sb, "sendTelepathy", {})).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: "Not Found" },
    });
    const res = await fetch(`${h.sb.url}/nothing/here`);
    expect(res.status).toBe(404);
  });

  it("answers unparsable bodies with 400 and odd URLs without crashing", async () => {
    const res = await fetch(
      `${h.sb.url}/bot${encodeURIComponent("123456789:SANDBOX_token_for_local_use_only")}/getMe`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { description: string }).description).toMatch(/^Bad Request: /);
    expect((await fetch(`${h.sb.url}/bot%E0%A4/getMe`)).status).toBe(401);
    expect((await fetch(`${h.sb.url}/file/bot%E0%A4/x`)).status).toBe(401);
  });

  it("treats method names case-insensitively and accepts GET with query parameters", async () => {
    const me = await rawCall(h.sb, "GETME", undefined, { httpMethod: "GET" });
    expect(me.body).toMatchObject({ ok: true, result: { is_bot: true, username: "herald_sandbox_bot" } });
    const sent = await rawCall(h.sb, "sendmessage", undefined, {
      httpMethod: "GET",
      query: new URLSearchParams({ chat_id: String(userId), text: "via query" }).toString(),
    });
    expect(sent.body).toMatchObject({ ok: true, result: { text: "via query" } });
  });

  it("rejects sendMessage without chat, text, or with unknown chats", async () => {
    expect((await rawCall(h.sb, "sendMessage", {})).body.description).toBe(
      "Bad Request: message text is empty",
    );
    expect((await rawCall(h.sb, "sendMessage", { text: "hi" })).body).toEqual({
      ok: false,
      error_code: 400,
      description: "Bad Request: chat_id is empty",
    });
    expect((await rawCall(h.sb, "sendMessage", { chat_id: "", text: "hi" })).body.description).toBe(
      "Bad Request: chat_id is empty",
    );
    expect((await apiError(h.api.sendMessage(999, "hi"))).description).toBe("Bad Request: chat not found");
    expect((await apiError(h.api.sendMessage(-1009999, "hi"))).description).toBe(
      "Bad Request: chat not found",
    );
    expect((await apiError(h.api.sendMessage("@somebody", "hi"))).description).toBe(
      "Bad Request: chat not found",
    );
    expect((await apiError(h.api.sendMessage(userId, "   "))).description).toBe(
      "Bad Request: message text is empty",
    );
  });

  it("limits text to 4096 UTF-16 code units after entity parsing", async () => {
    const emoji = "😀".repeat(2048); // 4096 UTF-16 code units
    await expect(h.api.sendMessage(userId, emoji)).resolves.toMatchObject({ text: emoji });
    expect((await apiError(h.api.sendMessage(userId, `${emoji}x`))).description).toBe(
      "Bad Request: message is too long",
    );
    // Markup does not count, only the resulting text does.
    const bold = `<b>${"a".repeat(4096)}</b>`;
    await expect(h.api.sendMessage(userId, bold, { parse_mode: "HTML" })).resolves.toBeDefined();
  });

  it("limits captions to 1024 characters", async () => {
    const err = await apiError(
      h.api.sendPhoto(userId, "https://example.com/cat.jpg", { caption: "c".repeat(1025) }),
    );
    expect(err.error_code).toBe(400);
    expect(err.description).toBe("Bad Request: message caption is too long");
  });

  it("rejects bad markup and unknown parse modes", async () => {
    const tag = await apiError(h.api.sendMessage(userId, "Hello <foo>x</foo>", { parse_mode: "HTML" }));
    expect(tag.description).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "foo" at byte offset 6',
    );
    const open = await apiError(h.api.sendMessage(userId, "<b>bold", { parse_mode: "HTML" }));
    expect(open.description).toBe(
      "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    );
    const md = await apiError(h.api.sendMessage(userId, "Price: 5.00!", { parse_mode: "MarkdownV2" }));
    expect(md.description).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    const mode = await rawCall(h.sb, "sendMessage", { chat_id: userId, text: "x", parse_mode: "BBCode" });
    expect(mode.body.description).toBe("Bad Request: unsupported parse_mode");
  });

  it("validates reply_markup like Telegram", async () => {
    const send = (button: Record<string, unknown>) =>
      rawCall(h.sb, "sendMessage", {
        chat_id: userId,
        text: "pick",
        reply_markup: { inline_keyboard: [[{ text: "b", ...button }]] },
      });
    expect((await send({})).body.description).toBe(
      "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    );
    expect((await send({ callback_data: "x".repeat(65) })).body.description).toMatch(
      /^Bad Request: BUTTON_DATA_INVALID/,
    );
    await expect(send({ callback_data: "x".repeat(64) })).resolves.toMatchObject({ status: 200 });
    expect((await send({ url: "javascript:alert(1)" })).body.description).toMatch(
      /^Bad Request: inline keyboard button URL 'javascript:alert\(1\)' is invalid/,
    );
    expect((await send({ url: "https://example.com", callback_data: "x" })).body.description).toMatch(
      /^Bad Request: can't parse inline keyboard button: exactly one of the optional fields/,
    );
    const notRows = await rawCall(h.sb, "sendMessage", {
      chat_id: userId,
      text: "x",
      reply_markup: { inline_keyboard: [{ text: "a", callback_data: "b" }] },
    });
    expect(notRows.body.description).toMatch(/must be an Array of Arrays/);
    const form = new URLSearchParams({ chat_id: String(userId), text: "x", reply_markup: "{not json" });
    expect((await rawCall(h.sb, "sendMessage", form)).body.description).toBe(
      "Bad Request: can't parse reply keyboard markup JSON object",
    );
  });

  it("answers edits, deletes and copies of missing messages", async () => {
    expect((await apiError(h.api.editMessageText(userId, 9999, "x"))).description).toBe(
      "Bad Request: message to edit not found",
    );
    expect((await apiError(h.api.deleteMessage(userId, 9999))).description).toBe(
      "Bad Request: message to delete not found",
    );
    expect((await apiError(h.api.copyMessage(userId, userId, 9999))).description).toBe(
      "Bad Request: message to copy not found",
    );
    const sent = await h.api.sendMessage(userId, "to be removed");
    await h.api.deleteMessage(userId, sent.message_id);
    expect((await apiError(h.api.deleteMessage(userId, sent.message_id))).description).toBe(
      "Bad Request: message to delete not found",
    );
    expect((await apiError(h.api.editMessageText(userId, sent.message_id, "y"))).description).toBe(
      "Bad Request: message to edit not found",
    );
  });

  it("refuses an edit that changes nothing", async () => {
    const markup = { inline_keyboard: [[{ text: "a", callback_data: "a" }]] };
    const sent = await h.api.sendMessage(userId, "<b>same</b>", { parse_mode: "HTML", reply_markup: markup });
    const err = await apiError(
      h.api.editMessageText(userId, sent.message_id, "<b>same</b>", {
        parse_mode: "HTML",
        reply_markup: markup,
      }),
    );
    expect(err.description).toBe(
      "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    );
    const markupErr = await apiError(
      h.api.editMessageReplyMarkup(userId, sent.message_id, { reply_markup: markup }),
    );
    expect(markupErr.description).toMatch(/^Bad Request: message is not modified/);
    // Same text but different formatting is a modification.
    await expect(h.api.editMessageText(userId, sent.message_id, "same")).resolves.toMatchObject({
      text: "same",
    });
  });

  it("forbids writing to users who blocked the bot or never started it, and groups without the bot", async () => {
    const stranger = h.sb.createUser({ first_name: "Stranger" });
    const never = await apiError(h.api.sendMessage(stranger.id, "hello"));
    expect(never.error_code).toBe(403);
    expect(never.description).toBe("Forbidden: bot can't initiate conversation with a user");

    const blocker = startedUser(h.sb, "Blocker");
    h.sb.blockBot(blocker);
    const blocked = await apiError(h.api.sendMessage(blocker, "hello"));
    expect(blocked.error_code).toBe(403);
    expect(blocked.description).toBe("Forbidden: bot was blocked by the user");

    const group = h.sb.createGroup({ title: "No bots", memberIds: [userId], type: "group", botTokens: [] });
    const notMember = await apiError(h.api.sendMessage(group.id, "hello"));
    expect(notMember.error_code).toBe(403);
    expect(notMember.description).toBe("Forbidden: bot is not a member of the group chat");

    // Validation comes before permission checks.
    const both = await apiError(h.api.sendMessage(blocker, "<b>x", { parse_mode: "HTML" }));
    expect(both.error_code).toBe(400);
  });

  it("rejects unknown file ids and empty uploads", async () => {
    expect((await apiError(h.api.sendPhoto(userId, "AgACnotAFileId"))).description).toBe(
      "Bad Request: wrong file identifier/HTTP URL specified",
    );
    expect((await apiError(h.api.sendDocument(userId, "BQACnotAFileId"))).description).toBe(
      "Bad Request: wrong file identifier/HTTP URL specified",
    );
    expect((await rawCall(h.sb, "sendDocument", { chat_id: userId })).body.description).toBe(
      "Bad Request: there is no document in the request",
    );
    expect((await apiError(h.api.getFile("nope"))).description).toBe("Bad Request: invalid file_id");
  });

  it("counts every answer in stats by method and status", async () => {
    const before = h.sb.stats();
    await rawCall(h.sb, "getMe", undefined, { token: "1:nope" });
    await rawCall(h.sb, "sendMessage", { text: "x" });
    const after = h.sb.stats();
    expect(after.requests - before.requests).toBe(2);
    expect((after.errors["401"] ?? 0) - (before.errors["401"] ?? 0)).toBe(1);
    expect((after.errors["400"] ?? 0) - (before.errors["400"] ?? 0)).toBe(1);
    expect(after.byMethod.sendMessage).toBe((before.byMethod.sendMessage ?? 0) + 1);
  });
});
