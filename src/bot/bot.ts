import { autoRetry } from "@grammyjs/auto-retry";
import { sequentialize } from "@grammyjs/runner";
import { apiThrottler } from "@grammyjs/transformer-throttler";
import { Bot, type BotError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { pickLanguage } from "../messages/language.js";
import type { HeraldContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { describeError } from "./describe-error.js";
import { cockpitFeature } from "./features/cockpit.js";
import { onboardingFeature } from "./features/onboarding.js";
import { subscriptionFeature } from "./features/subscription.js";
import { unhandledFeature } from "./features/unhandled.js";
import { messagesFor } from "./locales/index.js";

export interface CreateBotOptions extends BotDeps {
  /** Known identity: skips getMe (tests and restarts that already asked). */
  botInfo?: UserFromGetMe;
}

/**
 * Limits for replies and cockpit messages. The throttler's defaults space every message in a chat a
 * full second apart, which makes a dialog sluggish; Telegram accepts short bursts. So: a burst of 3
 * then 1 a second in a private chat, 20 a minute in a group (as a budget, not one every 3 s), 30 a
 * second overall.
 */
const REPLY_LIMITS = {
  global: { reservoir: 30, reservoirRefreshAmount: 30, reservoirRefreshInterval: 1000 },
  out: {
    maxConcurrent: 1,
    reservoir: 3,
    reservoirIncreaseAmount: 1,
    reservoirIncreaseInterval: 1000,
    reservoirIncreaseMaximum: 3,
  },
  group: { maxConcurrent: 1, reservoir: 20, reservoirRefreshAmount: 20, reservoirRefreshInterval: 60_000 },
};

/** Updates of one chat are handled one at a time, in order; different chats run in parallel. */
export function chatKey(ctx: { chat?: { id: number } | undefined; from?: { id: number } | undefined }) {
  return (ctx.chat?.id ?? ctx.from?.id)?.toString();
}

export function createBot(deps: CreateBotOptions): Bot<HeraldContext> {
  const { config, logger } = deps;
  const bot = new Bot<HeraldContext>(config.botToken, {
    client: { apiRoot: config.botApiRoot },
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
  });

  // Replies and admin-chat messages: the throttler keeps per-chat and group limits, auto-retry
  // (outermost, so a retry is throttled again) waits out a 429 a bounded number of times.
  // rethrowHttpErrors: auto-retry would otherwise retry network errors without any limit.
  const retry = autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 10, rethrowHttpErrors: true });
  bot.api.config.use(apiThrottler(REPLY_LIMITS));
  bot.api.config.use(retry);

  bot.use(sequentialize(chatKey));
  bot.use((ctx, next) => {
    ctx.logger = logger.child({ update_id: ctx.update.update_id, chat_id: ctx.chat?.id });
    ctx.language = pickLanguage(ctx.from?.language_code);
    ctx.messages = messagesFor(ctx.language);
    return next();
  });

  const features = bot.errorBoundary(async (error) => {
    await answerAfterError(error);
  });
  // The cockpit first: it takes only organisers' updates and lets everything else through.
  features.use(cockpitFeature(deps), onboardingFeature(deps), subscriptionFeature(deps), unhandledFeature());

  bot.catch((error) => {
    logger.error({ err: describeError(error.error), update_id: error.ctx.update.update_id }, "update failed");
  });

  return bot;

  async function answerAfterError(error: BotError<HeraldContext>) {
    const ctx = error.ctx;
    (ctx.logger ?? logger).error({ err: describeError(error.error) }, "handler failed");
    // Attendees in private, and organisers in their group: nobody is left without an answer.
    if (ctx.chat?.type !== "private" && ctx.chat?.id !== config.adminChatId) return;
    try {
      await ctx.reply(ctx.messages.somethingWentWrong);
    } catch (replyError) {
      (ctx.logger ?? logger).warn(
        { err: describeError(replyError) },
        "could not tell the user about the error",
      );
    }
  }
}

export { describeError };
