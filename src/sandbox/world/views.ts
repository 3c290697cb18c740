import type { ChatRecord, SandboxUser } from "../types.js";
import type { BotState, ChatState, Json, MemberStatus } from "./types.js";

/** What an administrator may do; the sandbox grants every administrator the same usual set. */
const ADMIN_RIGHTS = {
  can_be_edited: false,
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_pin_messages: true,
  can_manage_topics: false,
};

export const userObject = (u: SandboxUser): Json => ({ ...u });

export function chatObject(chat: ChatState): Json {
  if (chat.type === "private" && chat.user) {
    const u = chat.user;
    return {
      id: u.id,
      first_name: u.first_name,
      ...(u.last_name !== undefined && { last_name: u.last_name }),
      ...(u.username !== undefined && { username: u.username }),
      type: "private",
    };
  }
  return { id: chat.id, title: chat.title, type: chat.type };
}

export type Views = ReturnType<typeof createViews>;

/** Chats, members and messages as the Bot API shows them. */
export function createViews(bots: BotState[], users: Map<number, SandboxUser>) {
  const memberStatus = (chat: ChatState, id: number): MemberStatus => {
    if (chat.creatorId === id) return "creator";
    const isBot = bots.some((b) => b.id === id);
    if (!(isBot ? chat.botIds : chat.memberIds).has(id)) return "left";
    return chat.adminIds.has(id) ? "administrator" : "member";
  };

  const chatMember = (chat: ChatState, id: number): Json | undefined => {
    const b = bots.find((x) => x.id === id);
    const u = b ? undefined : users.get(id);
    if (!b && !u) return undefined;
    const user = b ? { ...b.user } : userObject(u as SandboxUser);
    const status = memberStatus(chat, id);
    if (status === "creator") return { user, status, is_anonymous: false };
    if (status === "administrator") return { user, status, ...ADMIN_RIGHTS };
    return { user, status };
  };

  const senderObject = (rec: ChatRecord): Json => {
    if (rec.from === "bot") {
      const b = bots.find((x) => x.id === rec.from_id);
      return b ? { ...b.user } : { id: rec.from_id, is_bot: true, first_name: "Bot" };
    }
    const u = users.get(rec.from_id);
    return u ? userObject(u) : { id: rec.from_id, is_bot: false, first_name: "User" };
  };

  const apiMessage = (chat: ChatState, rec: ChatRecord, nested = false): Json => {
    const m: Json = {
      message_id: rec.message_id,
      from: senderObject(rec),
      chat: chatObject(chat),
      date: rec.date,
    };
    const lastEdit = rec.edits.at(-1);
    if (lastEdit) m.edit_date = Math.floor(lastEdit.at / 1000);
    if (rec.forward_origin !== undefined) m.forward_origin = rec.forward_origin;
    if (!nested && rec.reply_to_message_id !== undefined) {
      const target = chat.records[rec.reply_to_message_id - 1];
      if (target && !target.deleted) m.reply_to_message = apiMessage(chat, target, true);
    }
    if (rec.text !== undefined) {
      m.text = rec.text;
      if (rec.entities?.length) m.entities = rec.entities;
    }
    if (rec.photo !== undefined) m.photo = rec.photo;
    if (rec.document !== undefined) m.document = rec.document;
    if (rec.sticker !== undefined) m.sticker = rec.sticker;
    if (rec.video !== undefined) m.video = rec.video;
    if (rec.contact !== undefined) m.contact = rec.contact;
    if (rec.caption !== undefined) {
      m.caption = rec.caption;
      if (rec.caption_entities?.length) m.caption_entities = rec.caption_entities;
    }
    // Telegram only echoes inline keyboards back in Message.reply_markup.
    const markup = rec.reply_markup as { inline_keyboard?: unknown } | undefined;
    if (markup?.inline_keyboard !== undefined) m.reply_markup = markup;
    return m;
  };

  return { memberStatus, chatMember, apiMessage };
}
