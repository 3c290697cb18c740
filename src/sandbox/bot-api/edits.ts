import { type ApiError, badRequest } from "../errors.js";
import { parseReplyMarkup } from "../reply-markup.js";
import type { Params } from "../request-body.js";
import type { BotState, ChatState, World } from "../state.js";
import type { ChatRecord } from "../types.js";
import { type CallHelpers, captionable, type Methods } from "./context.js";
import { chatIdParam, messageIdParam, str } from "./params.js";

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const notModified = (): ApiError =>
  badRequest(
    "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
  );

/** editMessageText, editMessageCaption, editMessageReplyMarkup and deleteMessage. */
export function editMethods(world: World, h: CallHelpers): Methods {
  const editableMessage = (bot: BotState, p: Params): { chat: ChatState; rec: ChatRecord } => {
    if (str(p, "inline_message_id") !== undefined && p.chat_id === undefined) {
      // Inline mode is not simulated, so no inline message can exist.
      throw badRequest("message to edit not found");
    }
    const chat = h.writableChat(bot, chatIdParam(p));
    const rec = chat.records[messageIdParam(p) - 1];
    if (!rec || rec.deleted) throw badRequest("message to edit not found");
    if (rec.from !== "bot" || rec.from_id !== bot.id) throw badRequest("message can't be edited");
    return { chat, rec };
  };

  return {
    editMessageText: (ctx) => {
      const { bot, params: p } = ctx;
      const { text, entities } = h.formattedText(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const { chat, rec } = editableMessage(bot, p);
      if (rec.text === undefined) throw badRequest("there is no text in the message to edit");
      if (text === rec.text && sameJson(entities, rec.entities ?? []) && sameJson(markup, rec.reply_markup)) {
        throw notModified();
      }
      h.admit(ctx, chat, "edit");
      world.recordEdit(chat, rec, {
        text,
        entities: entities.length > 0 ? entities : undefined,
        reply_markup: markup,
      });
      return world.apiMessage(chat, rec);
    },
    editMessageCaption: (ctx) => {
      const { bot, params: p } = ctx;
      const caption = h.formattedCaption(p) ?? { text: "", entities: [] };
      const markup = parseReplyMarkup(p.reply_markup);
      const { chat, rec } = editableMessage(bot, p);
      if (!captionable(rec)) {
        throw badRequest("there is no caption in the message to edit");
      }
      if (
        caption.text === (rec.caption ?? "") &&
        sameJson(caption.entities, rec.caption_entities ?? []) &&
        sameJson(markup, rec.reply_markup)
      ) {
        throw notModified();
      }
      h.admit(ctx, chat, "edit");
      world.recordEdit(chat, rec, {
        caption: caption.text === "" ? undefined : caption.text,
        caption_entities: caption.entities.length > 0 ? caption.entities : undefined,
        reply_markup: markup,
      });
      return world.apiMessage(chat, rec);
    },
    editMessageReplyMarkup: (ctx) => {
      const { bot, params: p } = ctx;
      const markup = parseReplyMarkup(p.reply_markup);
      const { chat, rec } = editableMessage(bot, p);
      if (sameJson(markup, rec.reply_markup)) throw notModified();
      h.admit(ctx, chat, "edit");
      world.recordEdit(chat, rec, { reply_markup: markup });
      return world.apiMessage(chat, rec);
    },
    deleteMessage: ({ bot, params: p }) => {
      const chat = h.visibleChat(bot, chatIdParam(p));
      const rec = chat.records[messageIdParam(p) - 1];
      if (!rec || rec.deleted) throw badRequest("message to delete not found");
      const own = rec.from === "bot" && rec.from_id === bot.id;
      // Bots delete anything in private chats but need admin rights for others' messages in groups.
      if (!own && chat.type !== "private" && world.memberStatus(chat, bot.id) !== "administrator") {
        throw badRequest("message can't be deleted for everyone");
      }
      world.recordDelete(chat, rec);
      return true;
    },
  };
}
