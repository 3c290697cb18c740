import { Composer } from "grammy";
import type { HeraldContext } from "../context.js";

/** Last in the chain: whatever no feature took gets a helpful answer in a private chat, and silence in groups. */
export function unhandledFeature(): Composer<HeraldContext> {
  const composer = new Composer<HeraldContext>();
  const privateChat = composer.chatType("private");

  privateChat.on("message::bot_command", (ctx) => ctx.reply(ctx.messages.unknownCommand));
  privateChat.on("message", (ctx) => ctx.reply(ctx.messages.unknownMessage));
  privateChat.on("callback_query", (ctx) => ctx.answerCallbackQuery());

  return composer;
}
