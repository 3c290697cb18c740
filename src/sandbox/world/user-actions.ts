import { SandboxError } from "../errors.js";
import type { FloodModel } from "../flood.js";
import { callbackDataOf } from "../reply-markup.js";
import type { ChatRecord, SandboxUser } from "../types.js";
import { type Chats, requireUser } from "./chats.js";
import { snapshot } from "./message-log.js";
import type { BotState, ChatState, World } from "./types.js";
import { byOffset, commandEntities, userEntities } from "./user-input.js";
import { userObject } from "./views.js";

export interface UserActionDeps {
  bot: World["bot"];
  users: Map<number, SandboxUser>;
  chats: Chats;
  flood: FloodModel;
  storeMessage: World["storeMessage"];
  enqueue: World["enqueue"];
  apiMessage: World["apiMessage"];
}

export type StoreUserMessage = (
  b: BotState,
  user: SandboxUser,
  chat: ChatState,
  fields: Partial<ChatRecord>,
) => ChatRecord;

/** Stores what a user sent and hands it to the bot as a "message" update. */
export function createStoreUserMessage(d: UserActionDeps): StoreUserMessage {
  return (b, user, chat, fields) => {
    if (chat.type === "private") d.chats.userTouchesPrivateChat(b, user);
    const rec = d.storeMessage(chat, { from: "user", from_id: user.id, ...fields });
    if (chat.type === "private") d.flood.noteUserUpdate(b.id, chat.id);
    d.enqueue(b, "message", d.apiMessage(chat, rec));
    return snapshot(rec);
  };
}

/** A user's text messages, /start and button presses. */
export function createUserActions(
  d: UserActionDeps & { pendingCallbacks: World["pendingCallbacks"] },
  storeUserMessage: StoreUserMessage,
): Pick<World, "userSends" | "userStarts" | "userPresses"> {
  let callbackCounter = 0;

  const userSends: World["userSends"] = (userId, text, o = {}) => {
    const b = d.bot(o.botToken);
    const user = requireUser(d.users, userId);
    if (typeof text !== "string" || text.trim() === "")
      throw new SandboxError(400, "text must be a non-empty string");
    const given = userEntities("entities", text, o.entities);
    const command = given.some((e) => e.type === "bot_command" && e.offset === 0)
      ? undefined
      : commandEntities(text);
    const entities = [...(command ?? []), ...given].sort(byOffset);
    const chat = d.chats.userChat(b, user, o.chatId);
    return storeUserMessage(b, user, chat, { text, ...(entities.length > 0 && { entities }) });
  };

  const userPresses: World["userPresses"] = (userId, button, o = {}) => {
    const b = d.bot(o.botToken);
    const user = requireUser(d.users, userId);
    const chat = d.chats.userChat(b, user, button.chatId);
    const rec = chat.records[button.messageId - 1];
    if (!rec || rec.deleted)
      throw new SandboxError(404, `message ${button.messageId} not found in chat ${chat.id}`);
    if (rec.from !== "bot")
      throw new SandboxError(400, `message ${button.messageId} in chat ${chat.id} is not a bot message`);
    const available = callbackDataOf(rec.reply_markup);
    if (!available.includes(button.data)) {
      throw new SandboxError(
        400,
        `message ${button.messageId} in chat ${chat.id} has no button with callback_data ${JSON.stringify(button.data)} (has ${JSON.stringify(available)})`,
      );
    }
    if (chat.type === "private") d.chats.userTouchesPrivateChat(b, user);
    callbackCounter++;
    const id = String(BigInt(b.id) * 1_000_000_000n + BigInt(callbackCounter));
    d.pendingCallbacks.set(id, { botId: b.id, answered: false });
    if (chat.type === "private") d.flood.noteUserUpdate(b.id, chat.id);
    d.enqueue(b, "callback_query", {
      id,
      from: userObject(user),
      message: d.apiMessage(chat, rec),
      chat_instance: chat.instance,
      data: button.data,
    });
    return id;
  };

  return {
    userSends,
    userStarts(userId, payload, o = {}) {
      if (payload !== undefined && typeof payload !== "string")
        throw new SandboxError(400, "payload must be a string");
      const text = payload ? `/start ${payload}` : "/start";
      return userSends(userId, text, { ...(o.botToken !== undefined && { botToken: o.botToken }) });
    },
    userPresses,
  };
}
