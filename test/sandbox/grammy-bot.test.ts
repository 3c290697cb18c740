import { run } from "@grammyjs/runner";
import { Bot, InlineKeyboard, InputFile } from "grammy";
import { describe, expect, it } from "vitest";
import { startSandbox, TOKEN } from "./helpers.js";

/** A tiny bot in the style Herald uses: /start with a payload, an inline button, block detection. */
function buildBot(apiRoot: string) {
  const bot = new Bot(TOKEN, { client: { apiRoot } });
  const blockedBy: number[] = [];
  bot.command("start", (ctx) =>
    ctx.reply(`Welcome to <b>${ctx.match || "Herald"}</b>`, {
      parse_mode: "HTML",
      reply_markup: new InlineKeyboard().text("RSVP", "rsvp"),
    }),
  );
  bot.callbackQuery("rsvp", async (ctx) => {
    await ctx.answerCallbackQuery({ text: "Saved" });
    await ctx.editMessageText("You're in ✅");
  });
  bot.on("message:document", async (ctx) => {
    const file = await ctx.getFile();
    await ctx.reply(`Got ${ctx.message.document.file_name} (${file.file_size} bytes)`);
  });
  bot.on("my_chat_member", (ctx) => {
    if (ctx.myChatMember.new_chat_member.status === "kicked") blockedBy.push(ctx.from.id);
  });
  return { bot, blockedBy };
}

describe("grammY against the sandbox", () => {
  it("runs a long-polling bot end to end with bot.start()", async () => {
    const h = await startSandbox();
    const { bot, blockedBy } = buildBot(h.sb.url);
    try {
      let running!: Promise<void>;
      await new Promise<void>((resolve) => {
        running = bot.start({ onStart: () => resolve() });
      });
      const user = h.sb.createUser({ first_name: "Ann" });
      h.sb.userStarts(user.id, "Spring Gala");
      const welcome = await h.sb.waitForBotMessage(user.id);
      expect(welcome).toMatchObject({
        text: "Welcome to Spring Gala",
        entities: [{ type: "bold", offset: 11, length: 11 }],
      });

      h.sb.userPresses(user.id, { messageId: welcome.message_id, data: "rsvp" });
      await h.sb.waitForBotMessage(user.id, (m) => m.text === "You're in ✅");
      expect(h.sb.callbackAnswers()).toMatchObject([{ text: "Saved" }]);

      h.sb.userSendsDocument(user.id, { fileName: "guests.csv", content: "a,b\n" });
      await h.sb.waitForBotMessage(user.id, (m) => m.text === "Got guests.csv (4 bytes)");

      h.sb.blockBot(user.id);
      // The bot is still polling; a later message in another chat proves the block update was consumed.
      const other = h.sb.createUser({ first_name: "Bob" });
      h.sb.userStarts(other.id);
      await h.sb.waitForBotMessage(other.id);
      expect(blockedBy).toEqual([user.id]);

      await bot.stop();
      await running;
      expect(h.sb.stats().errors).toEqual({});
    } finally {
      if (bot.isRunning()) await bot.stop();
      await h.close();
    }
  });

  it("works with @grammyjs/runner", async () => {
    const h = await startSandbox();
    const { bot } = buildBot(h.sb.url);
    const runner = run(bot);
    try {
      const users = [h.sb.createUser({ first_name: "A" }), h.sb.createUser({ first_name: "B" })];
      for (const u of users) h.sb.userStarts(u.id, `E${u.id}`);
      for (const u of users) {
        expect((await h.sb.waitForBotMessage(u.id)).text).toBe(`Welcome to E${u.id}`);
      }
    } finally {
      if (runner.isRunning()) await runner.stop();
      await h.close();
    }
  });

  it("runs an organisers' admin chat: photo in, CSV out, progress edits, admin-only commands", async () => {
    const h = await startSandbox({ limits: { bulkPerSecond: 0, chatPerSecond: 0, groupPerMinute: 0 } });
    const bot = new Bot(TOKEN, { client: { apiRoot: h.sb.url } });
    bot.on("message:photo", async (ctx) => {
      const largest = ctx.message.photo.at(-1);
      const file = await ctx.api.getFile(largest?.file_id ?? "");
      const res = await fetch(`${h.sb.url}/file/bot${TOKEN}/${file.file_path}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const progress = await ctx.reply("Exporting… 0%");
      await ctx.api.editMessageText(ctx.chat.id, progress.message_id, "Exporting… 50%");
      const csv = `caption,bytes\n${ctx.message.caption ?? ""},${bytes.length}\n`;
      await ctx.replyWithDocument(new InputFile(Buffer.from(csv), "export.csv"));
      await ctx.api.editMessageText(ctx.chat.id, progress.message_id, "Export done ✅");
    });
    try {
      const organiser = h.sb.createUser({ first_name: "Olga" });
      const helper = h.sb.createUser({ first_name: "Hal" });
      const group = h.sb.createGroup({
        title: "Organisers",
        memberIds: [helper.id],
        adminIds: [organiser.id],
      });
      await bot.api.setMyCommands([{ command: "export", description: "Export attendees" }], {
        scope: { type: "chat_administrators", chat_id: group.id },
      });
      expect(h.sb.commandsFor(group.id, { userId: helper.id })).toEqual([]);
      expect(h.sb.commandsFor(group.id, { userId: organiser.id })).toHaveLength(1);

      let running!: Promise<void>;
      await new Promise<void>((resolve) => {
        running = bot.start({ onStart: () => resolve() });
      });
      const sent = h.sb.userSendsPhoto(organiser.id, { caption: "stage" }, { chatId: group.id });
      const doc = await h.sb.waitForBotMessage(group.id, (m) => m.document !== undefined);
      const content = h.sb.fileContent(doc.document?.file_id ?? "");
      expect(content?.toString()).toBe(`caption,bytes\nstage,${sent.photo?.at(-1)?.file_size}\n`);
      expect(doc.document).toMatchObject({ file_name: "export.csv", mime_type: "text/csv" });
      const progress = await h.sb.waitForBotMessage(group.id, (m) => m.text === "Export done ✅");
      expect(progress.edits.map((e) => e.text)).toEqual(["Exporting… 50%", "Export done ✅"]);
      await bot.stop();
      await running;
    } finally {
      if (bot.isRunning()) await bot.stop();
      await h.close();
    }
  });
});
