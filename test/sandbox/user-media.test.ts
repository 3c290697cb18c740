import { InputFile } from "grammy";
import type { Update } from "grammy/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Harness, pngHeader, startedUser, startSandbox, TOKEN } from "./helpers.js";

const NO_LIMITS = { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 };

async function download(h: Harness, fileId: string): Promise<Buffer> {
  const file = await h.api.getFile(fileId);
  const res = await fetch(`${h.sb.url}/file/bot${TOKEN}/${file.file_path}`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function lastUpdate(h: Harness): Promise<Update> {
  const updates = await h.api.getUpdates();
  const last = updates.at(-1);
  if (!last) throw new Error("no updates");
  return last;
}

describe("formatted user messages", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
    userId = startedUser(h.sb);
  });
  afterEach(() => h.close());

  it("stores given entities on the record and in the update", async () => {
    const entities = [
      { type: "bold" as const, offset: 0, length: 4 },
      // "🎉x": the emoji is two UTF-16 code units.
      { type: "text_link" as const, offset: 5, length: 3, url: "https://herald.example/e/1" },
    ];
    const rec = h.sb.userSends(userId, "Gala 🎉x tonight", { entities });
    expect(rec.entities).toEqual(entities);
    expect((await lastUpdate(h)).message?.entities).toEqual(entities);
  });

  it("keeps the automatic bot_command entity and merges it in offset order", async () => {
    const rec = h.sb.userSends(userId, "/broadcast Doors open at 7", {
      entities: [{ type: "italic", offset: 11, length: 5 }],
    });
    expect(rec.entities).toEqual([
      { type: "bot_command", offset: 0, length: 10 },
      { type: "italic", offset: 11, length: 5 },
    ]);
    // A bot_command given at offset 0 is not doubled.
    const own = h.sb.userSends(userId, "/help", {
      entities: [{ type: "bot_command", offset: 0, length: 5 }],
    });
    expect(own.entities).toEqual([{ type: "bot_command", offset: 0, length: 5 }]);
    // Without entities nothing changes.
    expect(h.sb.userSends(userId, "plain").entities).toBeUndefined();
  });

  it("rejects entities outside the text", () => {
    expect(() =>
      h.sb.userSends(userId, "short", { entities: [{ type: "bold", offset: 3, length: 10 }] }),
    ).toThrow(/entities: can't parse entities: entity 0 .*out of the text bounds/);
  });
});

describe("photos users send", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
    userId = startedUser(h.sb);
  });
  afterEach(() => h.close());

  it("delivers every size in the update, downloadable through getFile", async () => {
    const rec = h.sb.userSendsPhoto(userId, {
      caption: "Stage plan",
      caption_entities: [{ type: "bold", offset: 0, length: 5 }],
      width: 1600,
      height: 900,
    });
    const message = (await lastUpdate(h)).message;
    expect(message?.photo).toEqual(rec.photo);
    expect(message?.caption).toBe("Stage plan");
    expect(message?.caption_entities).toEqual([{ type: "bold", offset: 0, length: 5 }]);
    const sizes = rec.photo ?? [];
    expect(sizes.map((p) => [p.width, p.height])).toEqual([
      [90, 51],
      [320, 180],
      [800, 450],
      [1280, 720],
    ]);
    for (const size of sizes) {
      expect(size).toMatchObject({
        file_id: expect.stringMatching(/^AgAC/),
        file_unique_id: expect.any(String),
        file_size: expect.any(Number),
      });
    }
    // Without content the bytes are a real PNG of the largest size.
    const largest = sizes.at(-1);
    const bytes = await download(h, largest?.file_id ?? "");
    expect(bytes.length).toBe(largest?.file_size);
    expect(bytes.subarray(1, 4).toString("ascii")).toBe("PNG");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1280, 720]);
    expect(h.sb.fileContent(sizes[0]?.file_id ?? "")).toEqual(bytes);
  });

  it("reads sizes from given content and serves those bytes", async () => {
    const content = pngHeader(300, 200);
    const rec = h.sb.userSendsPhoto(userId, { content });
    expect(rec.photo?.map((p) => [p.width, p.height])).toEqual([
      [90, 60],
      [300, 200],
    ]);
    expect(await download(h, rec.photo?.[1]?.file_id ?? "")).toEqual(content);
    expect(rec.caption).toBeUndefined();
  });

  it("can be re-sent by file_id and copied with a new caption and keyboard", async () => {
    const other = startedUser(h.sb, "Bob");
    const rec = h.sb.userSendsPhoto(userId, { caption: "original" });
    const fileId = rec.photo?.at(-1)?.file_id ?? "";
    const resent = await h.api.sendPhoto(other, fileId, { caption: "again" });
    expect(resent.photo).toEqual(rec.photo);

    const markup = { inline_keyboard: [[{ text: "Open", url: "https://herald.example/p" }]] };
    await h.api.copyMessage(other, userId, rec.message_id, {
      caption: "<i>copied</i>",
      parse_mode: "HTML",
      reply_markup: markup,
    });
    await h.api.copyMessage(other, userId, rec.message_id);
    const [, withCaption, keptCaption] = h.sb.botMessages(other);
    expect(withCaption).toMatchObject({
      method: "copyMessage",
      photo: rec.photo,
      caption: "copied",
      caption_entities: [{ type: "italic", offset: 0, length: 6 }],
      reply_markup: markup,
    });
    expect(keptCaption).toMatchObject({ photo: rec.photo, caption: "original" });
  });

  it("validates its input", () => {
    expect(() => h.sb.userSendsPhoto(userId, { width: 0 })).toThrow(/width must be an integer/);
    expect(() => h.sb.userSendsPhoto(userId, { content: "" })).toThrow(/must not be empty/);
    expect(() =>
      h.sb.userSendsPhoto(userId, { caption_entities: [{ type: "bold", offset: 0, length: 1 }] }),
    ).toThrow(/need a caption/);
    expect(() => h.sb.userSendsPhoto(999, {})).toThrow(/unknown user/);
  });
});

describe("stickers and videos users send", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
    userId = startedUser(h.sb);
  });
  afterEach(() => h.close());

  it("copies a sticker into a group with a keyboard, and forwards it", async () => {
    const group = h.sb.createGroup({ title: "Organisers", memberIds: [userId] });
    const rec = h.sb.userSendsSticker(userId, { emoji: "🎫", set_name: "herald_pack" });
    expect(rec.sticker).toMatchObject({
      file_id: expect.stringMatching(/^CAAC/),
      type: "regular",
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: "🎫",
      set_name: "herald_pack",
    });
    expect((await lastUpdate(h)).message?.sticker).toEqual(rec.sticker);

    const markup = { inline_keyboard: [[{ text: "Approve", callback_data: "ok" }]] };
    const copy = await h.api.copyMessage(group.id, userId, rec.message_id, { reply_markup: markup });
    const [copied] = h.sb.botMessages(group.id);
    expect(copied).toMatchObject({
      message_id: copy.message_id,
      method: "copyMessage",
      sticker: rec.sticker,
      reply_markup: markup,
    });
    expect(copied?.caption).toBeUndefined();
    const fwd = await h.api.forwardMessage(group.id, userId, rec.message_id);
    expect(fwd.sticker).toEqual(rec.sticker);
    expect(await download(h, rec.sticker?.file_id ?? "")).toEqual(Buffer.from("sandbox sticker placeholder"));
  });

  it("copies a sticker a user sent in a group", async () => {
    const other = startedUser(h.sb, "Bob");
    const group = h.sb.createGroup({ title: "Crew", memberIds: [userId, other] });
    const rec = h.sb.userSendsSticker(other, { chatId: group.id });
    expect(rec.sticker?.emoji).toBe("👍");
    await h.api.copyMessage(userId, group.id, rec.message_id);
    expect(h.sb.botMessages(userId).at(-1)?.sticker).toEqual(rec.sticker);
  });

  it("copies a video, keeping or replacing its caption", async () => {
    const other = startedUser(h.sb, "Bob");
    const rec = h.sb.userSendsVideo(userId, { caption: "Teaser", fileName: "teaser.mp4", duration: 42 });
    expect(rec.video).toMatchObject({
      file_id: expect.stringMatching(/^BAAC/),
      width: 1280,
      height: 720,
      duration: 42,
      file_name: "teaser.mp4",
      mime_type: "video/mp4",
    });
    expect((await lastUpdate(h)).message).toMatchObject({ video: rec.video, caption: "Teaser" });
    await h.api.copyMessage(other, userId, rec.message_id);
    await h.api.copyMessage(other, userId, rec.message_id, { caption: "Trailer" });
    const [kept, replaced] = h.sb.botMessages(other);
    expect(kept).toMatchObject({ video: rec.video, caption: "Teaser" });
    expect(replaced).toMatchObject({ video: rec.video, caption: "Trailer" });
    await h.api.editMessageCaption(other, replaced?.message_id ?? 0, { caption: "Final cut" });
    expect(h.sb.botMessages(other)[1]?.caption).toBe("Final cut");
  });
});

describe("files the bot uploads", () => {
  let h: Harness;
  let userId: number;
  beforeEach(async () => {
    h = await startSandbox({ limits: NO_LIMITS });
    userId = startedUser(h.sb);
  });
  afterEach(() => h.close());

  it("keeps a multipart CSV upload readable through fileContent", async () => {
    const csv = Buffer.from("name,ticket\nAnn,A1\nБоб,B2\n");
    const msg = await h.api.sendDocument(userId, new InputFile(csv, "attendees.csv"), { caption: "Export" });
    const [rec] = h.sb.botMessages(userId);
    expect(rec?.document).toMatchObject({
      file_id: msg.document.file_id,
      file_name: "attendees.csv",
      mime_type: "text/csv",
      file_size: csv.length,
    });
    const content = h.sb.fileContent(rec?.document?.file_id ?? "");
    expect(content).toEqual(csv);
    // A copy: changing it does not change what the sandbox serves.
    content?.fill(0);
    expect(h.sb.fileContent(msg.document.file_id)).toEqual(csv);
  });

  it("keeps uploaded photos, but has no bytes for URLs or unknown ids", async () => {
    const png = pngHeader(640, 480);
    const msg = await h.api.sendPhoto(userId, new InputFile(png, "poster.png"));
    for (const size of msg.photo) expect(h.sb.fileContent(size.file_id)).toEqual(png);
    const byUrl = await h.api.sendDocument(userId, "https://cdn.example/report.pdf");
    expect(h.sb.fileContent(byUrl.document.file_id)).toBeUndefined();
    expect(h.sb.fileContent("nope")).toBeUndefined();
  });

  it("serves a document a user sent through getFile and the file URL", async () => {
    const rec = h.sb.userSendsDocument(userId, { fileName: "volunteers.csv", content: "a,b\n1,2\n" });
    expect(rec.document).toMatchObject({ file_name: "volunteers.csv", mime_type: "text/csv" });
    expect((await download(h, rec.document?.file_id ?? "")).toString()).toBe("a,b\n1,2\n");
  });
});
