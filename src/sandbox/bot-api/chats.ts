import { badRequest } from "../errors.js";
import type { World } from "../state.js";
import type { CallHelpers, Methods } from "./context.js";
import { bool, chatIdParam, int, str } from "./params.js";

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

/** The bot itself, chats and their members, chat actions and callback answers. */
export function chatMethods(world: World, h: CallHelpers): Methods {
  return {
    getMe: ({ bot }) => ({
      ...bot.user,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    }),
    logOut: () => true,
    close: () => true,
    answerCallbackQuery: ({ bot, params: p }) => {
      const id = str(p, "callback_query_id") ?? "";
      const pending = world.pendingCallbacks.get(id);
      if (!pending || pending.botId !== bot.id || pending.answered) {
        throw badRequest("query is too old and response timeout expired or query ID is invalid");
      }
      const text = str(p, "text");
      if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
      pending.answered = true;
      const url = str(p, "url");
      const cacheTime = int(p, "cache_time");
      world.callbackAnswers.push({
        callback_query_id: id,
        ...(text !== undefined && { text }),
        ...(p.show_alert !== undefined && { show_alert: bool(p, "show_alert") }),
        ...(url !== undefined && { url }),
        ...(cacheTime !== undefined && { cache_time: cacheTime }),
      });
      return true;
    },
    getChat: ({ bot, params: p }) => {
      const chat = h.visibleChat(bot, chatIdParam(p));
      return { ...world.chatObject(chat), accent_color_id: 0, max_reaction_count: 11 };
    },
    getChatMember: ({ bot, params: p }) => {
      const chat = h.visibleChat(bot, chatIdParam(p));
      const userId = int(p, "user_id");
      if (userId === undefined) throw badRequest("user_id is empty");
      const member = world.chatMember(chat, userId);
      if (!member) throw badRequest("user not found");
      return member;
    },
    getChatAdministrators: ({ bot, params: p }) => {
      const chat = h.visibleChat(bot, chatIdParam(p));
      if (chat.type === "private") throw badRequest("there are no administrators in the private chat");
      const ids = [...(chat.creatorId === undefined ? [] : [chat.creatorId]), ...chat.adminIds];
      return ids.flatMap((id) => {
        const member = world.chatMember(chat, id);
        return member && member.status !== "left" ? [member] : [];
      });
    },
    sendChatAction: ({ bot, params: p }) => {
      const action = str(p, "action");
      if (action === undefined || action === "") throw badRequest("action is empty");
      if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
      h.writableChat(bot, chatIdParam(p));
      return true;
    },
  };
}
