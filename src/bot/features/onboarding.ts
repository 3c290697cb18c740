import { Composer, InlineKeyboard } from "grammy";
import type { RegistrationView } from "../../audience/registrations.js";
import { recordStart } from "../../audience/subscribers.js";
import type { HeraldContext } from "../context.js";
import type { BotDeps } from "../deps.js";
import { fill, type Messages } from "../locales/index.js";

/**
 * /start: subscribes, and binds the form answer a deep link carries. Without a payload the
 * attendee came from an invitation: they get the form URL with a signed reference to their ID.
 */
export function onboardingFeature(
  deps: Pick<BotDeps, "db" | "clock" | "config" | "registrations" | "deepLinks">,
) {
  const { db, clock, config, registrations, deepLinks } = deps;
  const composer = new Composer<HeraldContext>();
  const privateChat = composer.chatType("private");

  privateChat.command("start", async (ctx) => {
    const telegramId = ctx.from.id;
    const { isNew } = recordStart(db, { telegramId, language: ctx.language, now: clock.now() });
    const payload = deepLinks.parseStartPayload(ctx.match);

    if (payload.kind === "invalid") {
      ctx.logger.warn({ reason: payload.reason }, "start with an unusable payload");
      await ctx.reply(ctx.messages.invalidLink);
      return;
    }
    if (payload.kind === "answer") {
      const { outcome, registration } = registrations.bind({ answerId: payload.answerId, telegramId });
      ctx.logger.info({ answer: payload.answerId, outcome }, "bind");
      const answer = { answer: payload.answerId };
      if (outcome === "conflict") await ctx.reply(fill(ctx.messages.bindConflict, answer));
      else if (outcome === "bound") {
        const decided = registration.moderation !== "pending";
        await ctx.reply(fill(decided ? ctx.messages.boundDecided : ctx.messages.bound, answer));
      } else {
        await ctx.reply(
          `${fill(ctx.messages.alreadyBound, answer)} ${statusLine(ctx.messages, registration)}`,
        );
      }
      return;
    }

    ctx.logger.info({ isNew }, "start");
    if (config.formUrl !== null && registrations.ofTelegramId(telegramId).length === 0) {
      await ctx.reply(ctx.messages.startWelcomeWithForm, {
        reply_markup: new InlineKeyboard().url(
          ctx.messages.formButton,
          deepLinks.formLink(config.formUrl, telegramId),
        ),
      });
    } else {
      await ctx.reply(isNew ? ctx.messages.startWelcome : ctx.messages.startWelcomeBack);
    }
  });

  privateChat.command("help", (ctx) => ctx.reply(ctx.messages.help));

  return composer;
}

function statusLine(messages: Messages, registration: RegistrationView): string {
  if (registration.moderation === "approved") return messages.statusApproved;
  if (registration.moderation === "rejected") return messages.statusRejected;
  return messages.statusPending;
}
