import { badRequest } from "../errors.js";
import { parseReplyMarkup } from "../reply-markup.js";
import type { Params } from "../request-body.js";
import type { BotState, ChatState, World } from "../state.js";
import type { ChatRecord } from "../types.js";
import { type CallHelpers, captionable, type Methods } from "./context.js";
import { bool, chatIdParam, messageIdParam } from "./params.js";

/** What a copy or forward carries over: the content, detached from the source. */
function contentOf(rec: ChatRecord): Partial<ChatRecord> {
  return {
    ...(rec.text !== undefined && { text: rec.text }),
    ...(rec.entities !== undefined && { entities: structuredClone(rec.entities) }),
    ...(rec.photo !== undefined && { photo: structuredClone(rec.photo) }),
    ...(rec.document !== undefined && { document: structuredClone(rec.document) }),
    ...(rec.sticker !== undefined && { sticker: structuredClone(rec.sticker) }),
    ...(rec.video !== undefined && { video: structuredClone(rec.video) }),
    ...(rec.contact !== undefined && { contact: structuredClone(rec.contact) }),
    ...(rec.caption !== undefined && { caption: rec.caption }),
    ...(rec.caption_entities !== undefined && { caption_entities: structuredClone(rec.caption_entities) }),
  };
}

/** sendMessage, copyMessage and forwardMessage. */
export function messageMethods(world: World, h: CallHelpers): Methods {
  const sourceMessage = (bot: BotState, p: Params, missing: string): { chat: ChatState; rec: ChatRecord } => {
    const fromChatId = chatIdParam(p, "from_chat_id");
    const id = messageIdParam(p);
    const chat = h.visibleChat(bot, fromChatId);
    const rec = chat.records[id - 1];
    if (!rec || rec.deleted) throw badRequest(missing);
    return { chat, rec };
  };

  return {
    sendMessage: (ctx) => {
      const { bot, params: p } = ctx;
      const { text, entities } = h.formattedText(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const chat = h.writableChat(bot, chatIdParam(p));
      const paid = bool(p, "allow_paid_broadcast");
      const common = h.commonFields(p, chat, paid);
      h.admit(ctx, chat, "message", paid);
      const rec = h.store(bot, chat, "sendMessage", {
        text,
        ...(entities.length > 0 && { entities }),
        ...(markup && { reply_markup: markup }),
        ...common,
      });
      return world.apiMessage(chat, rec);
    },
    copyMessage: (ctx) => {
      const { bot, params: p } = ctx;
      const target = chatIdParam(p);
      const { rec: source } = sourceMessage(bot, p, "message to copy not found");
      const caption = h.formattedCaption(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const chat = h.writableChat(bot, target);
      const paid = bool(p, "allow_paid_broadcast");
      const common = h.commonFields(p, chat, paid);
      h.admit(ctx, chat, "message", paid);
      const content = contentOf(source);
      if (captionable(content) && caption !== undefined) {
        delete content.caption;
        delete content.caption_entities;
        if (caption.text) content.caption = caption.text;
        if (caption.entities.length) content.caption_entities = caption.entities;
      }
      const rec = h.store(bot, chat, "copyMessage", {
        ...content,
        ...(markup && { reply_markup: markup }),
        ...common,
      });
      return { message_id: rec.message_id };
    },
    forwardMessage: (ctx) => {
      const { bot, params: p } = ctx;
      const target = chatIdParam(p);
      const { chat: from, rec: source } = sourceMessage(bot, p, "message to forward not found");
      const chat = h.writableChat(bot, target);
      const paid = bool(p, "allow_paid_broadcast");
      h.admit(ctx, chat, "message", paid);
      const origin = world.apiMessage(from, source, true);
      const rec = h.store(bot, chat, "forwardMessage", {
        ...contentOf(source),
        forward_origin: { type: "user", sender_user: origin.from, date: source.date },
        ...(bool(p, "disable_notification") && { disable_notification: true }),
        ...(paid && { paid: true }),
      });
      return world.apiMessage(chat, rec);
    },
  };
}
