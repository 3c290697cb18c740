import { autoRetry } from "@grammyjs/auto-retry";
import { sequentialize } from "@grammyjs/runner";
import { apiThrottler } from "@grammyjs/transformer-throttler";
import { Bot, type BotError, GrammyError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { pickLanguage } from "../messages/language.js";
import type { HeraldContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { onboardingFeature } from "./features/onboarding.js";
import { subscriptionFeature } from "./features/subscription.js";
import { unhandledFeature } from "./features/unhandled.js";
import { messagesFor } from "./locales/index.js";

export interface CreateBotOptions extends BotDeps {
  /** Known identity: skips getMe (tests and restarts that already asked). */
  botInfo?: UserFromGetMe;
}

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
  bot.api.config.use(apiThrottler());
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 10 }));

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
  features.use(onboardingFeature(deps), subscriptionFeature(deps), unhandledFeature());

  bot.catch((error) => {
    logger.error({ err: describeError(error.error), update_id: error.ctx.update.update_id }, "update failed");
  });

  return bot;

  async function answerAfterError(error: BotError<HeraldContext>) {
    const ctx = error.ctx;
    (ctx.logger ?? logger).error({ err: describeError(error.error) }, "handler failed");
    if (ctx.chat?.type !== "private") return;
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

/**
 * Errors as log fields. Telegram refusing a call and the network failing call for different
 * actions, so they are told apart; nothing of the update (names, texts) is included.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof GrammyError) {
    return { kind: "telegram", method: error.method, code: error.error_code, description: error.description };
  }
  if (error instanceof HttpError) {
    return { kind: "network", message: error.message };
  }
  if (error instanceof Error) return { kind: error.name, message: error.message, stack: error.stack };
  return { kind: "unknown", message: String(error) };
}
