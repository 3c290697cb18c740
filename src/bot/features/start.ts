import { Composer } from "grammy";
import { recordStart } from "../../audience/subscribers.js";
import type { HeraldContext } from "../context.js";
import type { BotDeps } from "../deps.js";

export function startFeature({ db, clock }: Pick<BotDeps, "db" | "clock">): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  const privateChat = composer.chatType("private");

  privateChat.command("start", async (ctx) => {
    const { isNew } = recordStart(db, { telegramId: ctx.from.id, language: ctx.language, now: clock.now() });
    ctx.logger.info({ isNew }, "start");
    await ctx.reply(isNew ? ctx.messages.startWelcome : ctx.messages.startWelcomeBack);
  });

  privateChat.command("help", (ctx) => ctx.reply(ctx.messages.help));

  return composer;
}
