import { Composer, InlineKeyboard } from "grammy";
import { setSubscriberStatus, statusOf } from "../../audience/subscribers.js";
import type { HeraldContext } from "../context.js";
import type { BotDeps } from "../deps.js";

const STOP_YES = "stop:yes";
const STOP_NO = "stop:no";

/**
 * The subscriber's own choice (/stop, confirmed) and what Telegram reports (the user blocked or
 * unblocked the bot). /start is the way back from both.
 */
export function subscriptionFeature({ db, clock }: Pick<BotDeps, "db" | "clock">) {
  const composer = new Composer<HeraldContext>();
  const privateChat = composer.chatType("private");

  privateChat.command("stop", async (ctx) => {
    if (statusOf(db, ctx.from.id) === "unsubscribed") {
      await ctx.reply(ctx.messages.alreadyStopped);
      return;
    }
    await ctx.reply(ctx.messages.stopConfirm, {
      reply_markup: new InlineKeyboard()
        .text(ctx.messages.stopYes, STOP_YES)
        .text(ctx.messages.stopNo, STOP_NO),
    });
  });

  privateChat.callbackQuery(STOP_YES, async (ctx) => {
    setSubscriberStatus(db, { telegramId: ctx.from.id, status: "unsubscribed", now: clock.now() });
    ctx.logger.info("unsubscribed");
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.messages.stopped);
  });

  privateChat.callbackQuery(STOP_NO, async (ctx) => {
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.messages.stayed);
  });

  privateChat.on("my_chat_member", (ctx) => {
    const status = ctx.myChatMember.new_chat_member.status;
    const now = clock.now();
    if (status === "kicked") {
      setSubscriberStatus(db, { telegramId: ctx.from.id, status: "blocked", now });
      ctx.logger.info("blocked the bot");
    } else if (status === "member") {
      // Unblocking restores only what blocking took away; an earlier /stop still stands.
      setSubscriberStatus(db, { telegramId: ctx.from.id, status: "active", now, onlyIf: "blocked" });
      ctx.logger.info("unblocked the bot");
    }
  });

  return composer;
}
