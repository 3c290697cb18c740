import { InputFile } from "grammy";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  apiError,
  fakeClock,
  type Harness,
  pngHeader,
  rawCall,
  startedUser,
  startSandbox,
  TOKEN,
} from "./helpers.js";

// Flood limits are off here: these tests check content, and the real per-chat burst is 3.
const NO_LIMITS = { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 };

describe("sending and editing messages", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
    userId = startedUser(h.sb);
  });
  afterEach(() => h.close());

  it("parses HTML into UTF-16 entities and records the message", async () => {
    const msg = await h.api.sendMessage(
      userId,
      '🎉 <b>Привет</b>, <a href="https://herald.example/e/1">событие</a> 🎫',
      {
        parse_mode: "HTML",
        disable_notification: true,
      },
    );
    expect(msg.text).toBe("🎉 Привет, событие 🎫");
    expect(msg.entities).toEqual([
      { type: "bold", offset: 3, length: 6 },
      { type: "text_link", offset: 11, length: 7, url: "https://herald.example/e/1" },
    ]);
    expect(msg.chat).toEqual({ id: userId, first_name: "Ann", username: "ann", type: "private" });
    expect(msg.from).toMatchObject({ id: 123456789, is_bot: true, username: "herald_sandbox_bot" });
    const [rec] = h.sb.botMessages(userId);
    expect(rec).toMatchObject({
      message_id: msg.message_id,
      chat_id: userId,
      from: "bot",
      method: "sendMessage",
      text: msg.text,
      entities: msg.entities,
      disable_notification: true,
      deleted: false,
      edits: [],
    });
  });

  it("accepts explicit entities and MarkdownV2", async () => {
    const a = await h.api.sendMessage(userId, "bold text", {
      entities: [{ type: "bold", offset: 0, length: 4 }],
    });
    expect(a.entities).toEqual([{ type: "bold", offset: 0, length: 4 }]);
    const bad = await apiError(
      h.api.sendMessage(userId, "short", { entities: [{ type: "bold", offset: 3, length: 10 }] }),
    );
    expect(bad.description).toMatch(/out of the text bounds/);
    const b = await h.api.sendMessage(userId, "*Hi* \\- _there_", { parse_mode: "MarkdownV2" });
    expect(b.text).toBe("Hi - there");
    expect(b.entities?.map((e) => e.type)).toEqual(["bold", "italic"]);
  });

  it("accepts form-encoded and multipart bodies with JSON-string objects", async () => {
    const form = new URLSearchParams({
      chat_id: String(userId),
      text: "<i>form</i>",
      parse_mode: "HTML",
      reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "Go", callback_data: "go" }]] }),
    });
    const a = await rawCall(h.sb, "sendMessage", form);
    expect(a.body).toMatchObject({ ok: true, result: { text: "form", entities: [{ type: "italic" }] } });
    const fd = new FormData();
    fd.set("chat_id", String(userId));
    fd.set("text", "multi");
    fd.set("entities", JSON.stringify([{ type: "underline", offset: 0, length: 5 }]));
    fd.set(
      "reply_markup",
      JSON.stringify({ inline_keyboard: [[{ text: "Site", url: "https://example.com" }]] }),
    );
    const b = await rawCall(h.sb, "sendMessage", fd);
    expect(b.body).toMatchObject({
      ok: true,
      result: {
        text: "multi",
        entities: [{ type: "underline" }],
        reply_markup: { inline_keyboard: [[{ url: "https://example.com" }]] },
      },
    });
    expect(h.sb.botMessages(userId).map((m) => m.reply_markup)).toHaveLength(2);
  });

  it("records edits of text, caption and reply markup", async () => {
    const msg = await h.api.sendMessage(userId, "v1", {
      reply_markup: { inline_keyboard: [[{ text: "A", callback_data: "a" }]] },
    });
    const edited = await h.api.editMessageText(userId, msg.message_id, "<b>v2</b>", { parse_mode: "HTML" });
    expect(edited).toMatchObject({ text: "v2", entities: [{ type: "bold", offset: 0, length: 2 }] });
    expect(edited).not.toHaveProperty("reply_markup"); // editing text without markup drops the keyboard
    expect(typeof (edited as { edit_date?: number }).edit_date).toBe("number");
    await h.api.editMessageReplyMarkup(userId, msg.message_id, {
      reply_markup: { inline_keyboard: [[{ text: "B", callback_data: "b" }]] },
    });
    const [rec] = h.sb.botMessages(userId);
    expect(rec?.text).toBe("v2");
    expect(rec?.reply_markup).toEqual({ inline_keyboard: [[{ text: "B", callback_data: "b" }]] });
    expect(rec?.edits).toHaveLength(2);
    expect(rec?.edits[0]).toMatchObject({ text: "v2", entities: [{ type: "bold" }] });
    expect(rec?.edits[1]).toMatchObject({ reply_markup: { inline_keyboard: [[{ text: "B" }]] } });

    const doc = await h.api.sendDocument(userId, new InputFile(Buffer.from("x"), "t.txt"), {
      caption: "old",
    });
    await h.api.editMessageCaption(userId, doc.message_id, { caption: "<i>new</i>", parse_mode: "HTML" });
    const docRec = h.sb.botMessages(userId).find((m) => m.message_id === doc.message_id);
    expect(docRec).toMatchObject({ caption: "new", caption_entities: [{ type: "italic" }] });
    expect(
      (await apiError(h.api.editMessageCaption(userId, msg.message_id, { caption: "x" }))).description,
    ).toBe("Bad Request: there is no caption in the message to edit");
  });

  it("deletes messages and hides them from botMessages but not the transcript", async () => {
    const msg = await h.api.sendMessage(userId, "bye");
    await expect(h.api.deleteMessage(userId, msg.message_id)).resolves.toBe(true);
    expect(h.sb.botMessages(userId)).toEqual([]);
    const t = h.sb.transcript(userId);
    expect(t.map((r) => [r.from, r.deleted])).toEqual([
      ["user", false],
      ["bot", true],
    ]);
  });

  it("copies messages with a new reply_markup and replies to messages", async () => {
    const second = startedUser(h.sb, "Bob");
    const original = await h.api.sendMessage(userId, "<b>Ticket</b> #42", { parse_mode: "HTML" });
    const copy = await h.api.copyMessage(second, userId, original.message_id, {
      reply_markup: { inline_keyboard: [[{ text: "Open", url: "https://herald.example/t/42" }]] },
    });
    const [rec] = h.sb.botMessages(second);
    expect(rec).toMatchObject({
      message_id: copy.message_id,
      method: "copyMessage",
      text: "Ticket #42",
      entities: [{ type: "bold", offset: 0, length: 6 }],
      reply_markup: { inline_keyboard: [[{ text: "Open", url: "https://herald.example/t/42" }]] },
    });
    // Copying the user's own document to another chat with a new caption.
    const userDoc = h.sb.userSendsDocument(userId, { fileName: "plan.pdf", content: "%PDF-1.4" });
    await h.api.copyMessage(second, userId, userDoc.message_id, {
      caption: "<b>Plan</b>",
      parse_mode: "HTML",
    });
    const copiedDoc = h.sb.botMessages(second).at(-1);
    expect(copiedDoc).toMatchObject({
      method: "copyMessage",
      caption: "Plan",
      caption_entities: [{ type: "bold", offset: 0, length: 4 }],
      document: { file_name: "plan.pdf", mime_type: "application/pdf" },
    });
    const reply = await h.api.sendMessage(userId, "answer", {
      reply_parameters: { message_id: original.message_id },
    });
    expect(reply.reply_to_message?.message_id).toBe(original.message_id);
    expect(
      (await apiError(h.api.sendMessage(userId, "x", { reply_parameters: { message_id: 777 } }))).description,
    ).toBe("Bad Request: message to be replied not found");
    const fwd = await h.api.forwardMessage(second, userId, original.message_id);
    expect(fwd.forward_origin).toMatchObject({ type: "user", sender_user: { is_bot: true } });
  });

  it("sends to groups the bot is in and keeps one transcript per group", async () => {
    const other = startedUser(h.sb, "Cid");
    const group = h.sb.createGroup({ title: "Organisers", memberIds: [userId, other] });
    expect(group).toEqual({ id: -1001000000001, title: "Organisers", type: "supergroup" });
    h.sb.userSends(other, "hello group", { chatId: group.id });
    const msg = await h.api.sendMessage(group.id, "hi all");
    expect(msg.chat).toEqual({ id: group.id, title: "Organisers", type: "supergroup" });
    expect(h.sb.transcript(group.id).map((r) => [r.message_id, r.from, r.text])).toEqual([
      [1, "user", "hello group"],
      [2, "bot", "hi all"],
    ]);
    expect(await h.api.getChatMember(group.id, other)).toMatchObject({
      status: "member",
      user: { id: other },
    });
    expect(await h.api.getChat(group.id)).toMatchObject({
      id: group.id,
      type: "supergroup",
      title: "Organisers",
    });
  });

  it("answers callback queries once and records the answers", async () => {
    const msg = await h.api.sendMessage(userId, "Confirm?", {
      reply_markup: { inline_keyboard: [[{ text: "Yes", callback_data: "rsvp:yes" }]] },
    });
    const id = h.sb.userPresses(userId, { messageId: msg.message_id, data: "rsvp:yes" });
    expect(() => h.sb.userPresses(userId, { messageId: msg.message_id, data: "rsvp:no" })).toThrow(
      /no button/,
    );
    await expect(h.api.answerCallbackQuery(id, { text: "Saved", show_alert: true })).resolves.toBe(true);
    expect(h.sb.callbackAnswers()).toEqual([{ callback_query_id: id, text: "Saved", show_alert: true }]);
    expect((await apiError(h.api.answerCallbackQuery(id))).description).toBe(
      "Bad Request: query is too old and response timeout expired or query ID is invalid",
    );
  });

  it("stores commands per scope and language", async () => {
    await h.api.setMyCommands([{ command: "start", description: "Start" }]);
    await h.api.setMyCommands([{ command: "tickets", description: "Мои билеты" }], {
      scope: { type: "all_private_chats" },
      language_code: "ru",
    });
    expect(await h.api.getMyCommands()).toEqual([{ command: "start", description: "Start" }]);
    expect(await h.api.getMyCommands({ scope: { type: "all_private_chats" }, language_code: "ru" })).toEqual([
      { command: "tickets", description: "Мои билеты" },
    ]);
    expect(h.sb.commands()).toEqual([
      { scope: { type: "default" }, commands: [{ command: "start", description: "Start" }] },
      {
        scope: { type: "all_private_chats" },
        language_code: "ru",
        commands: [{ command: "tickets", description: "Мои билеты" }],
      },
    ]);
    await h.api.deleteMyCommands();
    expect(await h.api.getMyCommands()).toEqual([]);
    expect(
      (await apiError(h.api.setMyCommands([{ command: "Bad Command", description: "x" }]))).description,
    ).toBe("Bad Request: BOT_COMMAND_INVALID");
  });

  it("answers the small helper methods", async () => {
    await expect(h.api.sendChatAction(userId, "typing")).resolves.toBe(true);
    expect(await h.api.getChat(userId)).toMatchObject({ id: userId, type: "private", first_name: "Ann" });
    await expect(h.api.logOut()).resolves.toBe(true);
    await expect(h.api.close()).resolves.toBe(true);
  });
});

describe("files", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
    userId = startedUser(h.sb);
  });
  afterEach(() => h.close());

  it("uploads a document via multipart, serves it through getFile and the file URL", async () => {
    const content = Buffer.from("BEGIN:VCALENDAR\nEND:VCALENDAR\n");
    const msg = await h.api.sendDocument(userId, new InputFile(content, "event.ics"), {
      caption: "Add to calendar",
    });
    expect(msg.document).toMatchObject({
      file_name: "event.ics",
      mime_type: "text/calendar",
      file_size: content.length,
    });
    const file = await h.api.getFile(msg.document.file_id);
    expect(file.file_path).toMatch(/^documents\/file_\d+\.ics$/);
    const res = await fetch(`${h.sb.url}/file/bot${TOKEN}/${file.file_path}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(content);
    expect((await fetch(`${h.sb.url}/file/bot${TOKEN}/documents/missing.txt`)).status).toBe(404);
    // The same file_id can be sent again without uploading.
    const again = await h.api.sendDocument(userId, msg.document.file_id);
    expect(again.document.file_id).toBe(msg.document.file_id);
  });

  it("accepts a plain multipart upload where the field itself is the file", async () => {
    const fd = new FormData();
    fd.set("chat_id", String(userId));
    fd.set("document", new Blob([Buffer.from("a,b\n1,2\n")], { type: "text/csv" }), "export.csv");
    const answer = await rawCall(h.sb, "sendDocument", fd);
    expect(answer.body).toMatchObject({
      ok: true,
      result: { document: { file_name: "export.csv", mime_type: "text/csv" } },
    });
  });

  it("builds photo sizes, reuses photos by file_id and accepts URLs without fetching", async () => {
    const msg = await h.api.sendPhoto(userId, new InputFile(pngHeader(1600, 900), "poster.png"));
    expect(msg.photo.map((p) => [p.width, p.height])).toEqual([
      [90, 51],
      [320, 180],
      [800, 450],
      [1280, 720],
    ]);
    const biggest = msg.photo.at(-1);
    const again = await h.api.sendPhoto(userId, biggest?.file_id ?? "");
    expect(again.photo).toEqual(msg.photo);
    const byUrl = await h.api.sendPhoto(userId, "https://example.com/poster.jpg", { caption: "From URL" });
    expect(byUrl.caption).toBe("From URL");
    expect(h.sb.botMessages(userId).map((m) => m.method)).toEqual(["sendPhoto", "sendPhoto", "sendPhoto"]);
  });

  it("serves documents users sent to the bot", async () => {
    const rec = h.sb.userSendsDocument(userId, {
      fileName: "guests.csv",
      content: "name\nAnn\n",
      caption: "list",
    });
    const doc = rec.document as { file_id: string; mime_type: string };
    expect(doc.mime_type).toBe("text/csv");
    const file = await h.api.getFile(doc.file_id);
    const res = await fetch(`${h.sb.url}/file/bot${TOKEN}/${file.file_path}`);
    expect(await res.text()).toBe("name\nAnn\n");
  });
});

describe("flood control over HTTP", () => {
  it("answers 429 with retry_after, counts it, and serves the client that waits", async () => {
    const clock = fakeClock();
    const h = await startSandbox({ clock, limits: { bulkPerSecond: 2 } });
    try {
      const users = [startedUser(h.sb, "A"), startedUser(h.sb, "B"), startedUser(h.sb, "C")];
      clock.advance(10_000); // leave the reply window so bulk applies
      await h.api.sendMessage(users[0] as number, "1");
      await h.api.sendMessage(users[1] as number, "2");
      const raw = await rawCall(h.sb, "sendMessage", { chat_id: users[2], text: "3" });
      expect(raw).toEqual({
        status: 429,
        body: {
          ok: false,
          error_code: 429,
          description: "Too Many Requests: retry after 1",
          parameters: { retry_after: 1 },
        },
      });
      clock.advance(500); // came back after half the announced second: ignored retry_after
      const ignored = await apiError(h.api.sendMessage(users[2] as number, "3"));
      expect(ignored.parameters.retry_after).toBe(2);
      clock.advance(2000);
      await expect(h.api.sendMessage(users[2] as number, "3")).resolves.toMatchObject({ text: "3" });
      const stats = h.sb.stats();
      expect(stats.http429).toBe(2);
      expect(stats.http429ByScope).toEqual({ bulk: 2, paid: 0, chat: 0, group: 0 });
      expect(stats.errors["429"]).toBe(2);
      expect(stats.messagesSent).toBe(3);
      expect(h.sb.botMessages(users[2] as number)).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it("lets paid broadcasts past the bulk limit, counts them, and limits edits per chat", async () => {
    const clock = fakeClock();
    const h = await startSandbox({ clock, limits: { bulkPerSecond: 1 } });
    try {
      const users = [startedUser(h.sb, "A"), startedUser(h.sb, "B"), startedUser(h.sb, "C")];
      clock.advance(10_000);
      for (const u of users) await h.api.sendMessage(u, "paid", { allow_paid_broadcast: true });
      const stats = h.sb.stats();
      expect(stats.paidMessages).toBe(3);
      expect(h.sb.botMessages(users[0] as number)[0]?.paid).toBe(true);
      clock.advance(10_000); // refill the per-chat bucket to its burst of 3
      const msg = await h.api.sendMessage(users[0] as number, "free");
      await h.api.editMessageText(users[0] as number, msg.message_id, "e1");
      await h.api.editMessageText(users[0] as number, msg.message_id, "e2");
      const err = await apiError(h.api.editMessageText(users[0] as number, msg.message_id, "e3"));
      expect(err.error_code).toBe(429);
      expect(h.sb.stats().http429ByScope.chat).toBe(1);
    } finally {
      await h.close();
    }
  });

  it("exempts replies to a user who just wrote from the bulk limit", async () => {
    const clock = fakeClock();
    const h = await startSandbox({ clock, limits: { bulkPerSecond: 1 } });
    try {
      const a = startedUser(h.sb, "A");
      const b = startedUser(h.sb, "B");
      clock.advance(10_000);
      await h.api.sendMessage(a, "uses the only bulk token");
      expect((await apiError(h.api.sendMessage(b, "no token left"))).error_code).toBe(429);
      clock.advance(1000);
      h.sb.userSends(b, "hello?");
      await h.api.sendMessage(a, "takes the refilled token");
      await expect(h.api.sendMessage(b, "reply")).resolves.toBeDefined();
    } finally {
      await h.close();
    }
  });
});
