import { sequentialize } from "@grammyjs/runner";
import { Bot, type BotError, HttpError } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { type FloodGate, GateClosedError } from "../delivery/flood-gate.js";
import { gateTransformer } from "../delivery/gated-api.js";
import { pickLanguage } from "../messages/language.js";
import { publishOrganiserMenu } from "./commands.js";
import type { HeraldContext } from "./context.js";
import type { BotDeps } from "./deps.js";
import { describeError } from "./describe-error.js";
import { cockpitFeature } from "./features/cockpit/index.js";
import { onboardingFeature } from "./features/onboarding.js";
import { subscriptionFeature } from "./features/subscription.js";
import { unhandledFeature } from "./features/unhandled.js";
import { messagesFor } from "./locales/index.js";
import { recogniseOrganisers } from "./middleware/recognise-organisers.js";

export interface CreateBotOptions extends BotDeps {
  /** Known identity: skips getMe (tests and restarts that already asked). */
  botInfo?: UserFromGetMe;
  /** The bot's one flood gate, shared with the delivery engine. */
  gate: FloodGate;
}

/**
 * A reply, dialog message or report still waiting this long (a group's 20-a-minute budget, a long
 * retry_after) is given up: its caller gets Telegram's 429.
 */
const REPLY_GIVE_UP_MS = 90_000;

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

  // Replies, dialogs, progress edits and reports take the reply lane of the bot's one flood gate: the
  // same scopes (bulk, each chat, each group) as the engine's sends, with priority over them. A 429
  // is waited out inside the gate, with its scope closed for every sender.
  bot.api.config.use(
    gateTransformer(deps.gate, "reply", { giveUpAfterMs: REPLY_GIVE_UP_MS, now: deps.clock.now }),
  );

  bot.use(sequentialize(chatKey));
  // A user who just wrote may be answered outside the bulk lane (Telegram exempts replies).
  bot.use((ctx, next) => {
    const chat = ctx.chat;
    if (chat?.type === "private") {
      const date = ctx.message?.date ?? ctx.editedMessage?.date;
      // The update's own date (whole seconds, so never later than Telegram's clock); a press has none.
      deps.gate.noteUserUpdate(chat.id, date !== undefined ? date * 1000 : deps.clock.now() - 1000);
    }
    return next();
  });
  bot.use((ctx, next) => {
    ctx.logger = logger.child({ update_id: ctx.update.update_id, chat_id: ctx.chat?.id });
    ctx.language = pickLanguage(ctx.from?.language_code);
    ctx.messages = messagesFor(ctx.language);
    return next();
  });

  const features = bot.errorBoundary(async (error) => {
    await answerAfterError(error);
  });
  // Who is an organiser is settled first (and their menu published on first contact); the cockpit
  // takes only organisers' updates and lets everything else through to the attendee features.
  features.use(
    recogniseOrganisers(deps),
    publishOrganiserMenu(deps.cockpit.organisers),
    cockpitFeature(deps),
    onboardingFeature(deps),
    subscriptionFeature(deps),
    unhandledFeature(),
  );

  bot.catch((error) => {
    logger.error({ err: describeError(error.error), update_id: error.ctx.update.update_id }, "update failed");
  });

  return bot;

  async function answerAfterError(error: BotError<HeraldContext>) {
    const ctx = error.ctx;
    // Herald is stopping and gave up what still waited: the update is not an error, and no answer can go.
    const cause = error.error instanceof HttpError ? error.error.error : error.error;
    if (error.error instanceof GateClosedError || cause instanceof GateClosedError) {
      (ctx.logger ?? logger).info("handler cut off by the stop");
      return;
    }
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
