import { run } from "@grammyjs/runner";
import { Bot, InlineKeyboard } from "grammy";
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
});
