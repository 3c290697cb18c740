import { ApiError, badRequest, forbidden } from "../errors.js";
import { formatText } from "../formatted-text.js";
import type { UserLookup } from "../html-entities.js";
import type { Params } from "../request-body.js";
import type { BotState, ChatState, World } from "../state.js";
import type { ChatRecord, MessageEntity } from "../types.js";
import { bool, int, json, str } from "./params.js";

export interface CallContext {
  bot: BotState;
  params: Params;
  /** Aborted when the client goes away (matters for long polls). */
  signal: AbortSignal;
  /** When the sandbox received the request on its socket (clock ms): ≈ when the client sent it. */
  sentAt: number;
  /** The order in which the sandbox received it. */
  receivedSeq: number;
}

export type Handler = (ctx: CallContext) => unknown;

/** One family of Bot API methods, by name. */
export type Methods = Record<string, Handler>;

export const MAX_TEXT_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;

/** Messages whose media can carry a caption (stickers cannot). */
export const captionable = (rec: Partial<ChatRecord>): boolean =>
  rec.photo !== undefined || rec.document !== undefined || rec.video !== undefined;

export type CallHelpers = ReturnType<typeof createCallHelpers>;

/** What several method families need: chat access with Telegram's refusals, flood admission, text checks. */
export function createCallHelpers(world: World) {
  const lookupUser: UserLookup = (id) => {
    const u = world.user(id);
    return u ? { ...u } : undefined;
  };

  /** The chat a bot may write into right now, with Telegram's 400/403 answers otherwise. */
  const writableChat = (bot: BotState, chatId: number): ChatState => {
    if (chatId > 0) {
      if (world.botById(chatId)) throw forbidden("bots can't send messages to bots");
      const user = world.user(chatId);
      if (!user) throw badRequest("chat not found");
      const rel = world.relation(bot, chatId);
      if (rel === "kicked") throw forbidden("bot was blocked by the user");
      if (rel === "none") throw forbidden("bot can't initiate conversation with a user");
      return world.privateChat(bot, user);
    }
    const group = world.group(chatId);
    if (!group) throw badRequest("chat not found");
    if (!group.botIds.has(bot.id)) {
      throw forbidden(`bot is not a member of the ${group.type === "group" ? "group" : "supergroup"} chat`);
    }
    return group;
  };

  /** A chat the bot can see (read/delete), blocked or not. */
  const visibleChat = (bot: BotState, chatId: number): ChatState => {
    if (chatId > 0) {
      const user = world.user(chatId);
      if (!user || world.relation(bot, chatId) === "none") throw badRequest("chat not found");
      return world.privateChat(bot, user);
    }
    const group = world.group(chatId);
    if (!group?.botIds.has(bot.id)) throw badRequest("chat not found");
    return group;
  };

  const admit = (ctx: CallContext, chat: ChatState, kind: "message" | "edit", paid = false): void => {
    const d = world.flood.admit({
      botId: ctx.bot.id,
      chatId: chat.id,
      chatType: chat.type,
      kind,
      paid,
      sentAt: ctx.sentAt,
      receivedSeq: ctx.receivedSeq,
    });
    if (!d.ok) {
      throw new ApiError(
        429,
        `Too Many Requests: retry after ${d.retryAfter}`,
        { retry_after: d.retryAfter },
        d.scope,
        d,
      );
    }
  };

  const formattedText = (p: Params): { text: string; entities: MessageEntity[] } => {
    const raw = str(p, "text") ?? "";
    if (raw.trim() === "") throw badRequest("message text is empty");
    const f = formatText(raw, str(p, "parse_mode"), p.entities, lookupUser);
    if (f.text === "") throw badRequest("message text is empty");
    if (f.text.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
    return f;
  };

  /** undefined = no caption parameter; a caption that trims to nothing removes the caption. */
  const formattedCaption = (p: Params): { text: string; entities: MessageEntity[] } | undefined => {
    const raw = str(p, "caption");
    if (raw === undefined) return undefined;
    const f = formatText(raw, str(p, "parse_mode"), p.caption_entities, lookupUser);
    if (f.text.length > MAX_CAPTION_LENGTH) throw badRequest("message caption is too long");
    return f;
  };

  const commonFields = (p: Params, chat: ChatState, paid: boolean): Partial<ChatRecord> => {
    const reply = replyTarget(p, chat);
    return {
      ...(reply !== undefined && { reply_to_message_id: reply }),
      ...(bool(p, "disable_notification") && { disable_notification: true }),
      ...(paid && { paid: true }),
    };
  };

  const store = (bot: BotState, chat: ChatState, method: string, fields: Partial<ChatRecord>): ChatRecord =>
    world.storeMessage(chat, { from: "bot", from_id: bot.id, method, ...fields });

  return { writableChat, visibleChat, admit, formattedText, formattedCaption, commonFields, store };
}

function replyTarget(p: Params, chat: ChatState): number | undefined {
  let id = int(p, "reply_to_message_id");
  let allowWithout = bool(p, "allow_sending_without_reply");
  const rp = json(p, "reply_parameters", "reply parameters") as
    | { message_id?: unknown; allow_sending_without_reply?: unknown; chat_id?: unknown }
    | undefined;
  if (rp && typeof rp === "object") {
    if (typeof rp.message_id !== "number") throw badRequest("message to be replied not found");
    id = rp.message_id;
    allowWithout = rp.allow_sending_without_reply === true;
  }
  if (id === undefined) return undefined;
  const target = chat.records[id - 1];
  if (!target || target.deleted) {
    if (allowWithout) return undefined;
    throw badRequest("message to be replied not found");
  }
  return id;
}
