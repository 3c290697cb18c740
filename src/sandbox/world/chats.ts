import { SandboxError } from "../errors.js";
import type { SandboxUser } from "../types.js";
import type { BotState, ChatState, Json, Relation, World } from "./types.js";
import { chatObject, userObject } from "./views.js";

export function requireUser(users: Map<number, SandboxUser>, id: number): SandboxUser {
  const u = users.get(id);
  if (!u) throw new SandboxError(404, `unknown user ${id}`);
  return u;
}

/** Ids Telegram gives callback queries to tell chats apart; one per chat, in order of creation. */
export function createChatInstances(): () => string {
  let chatInstanceCounter = 0;
  return () => {
    chatInstanceCounter++;
    return String(-(7_300_000_000_000_000_000n + BigInt(chatInstanceCounter)));
  };
}

export type Chats = ReturnType<typeof createChats>;

/** Private chats (one per bot and user), whether a user started or blocked a bot, and where users act. */
export function createChats(deps: {
  users: Map<number, SandboxUser>;
  groups: Map<number, ChatState>;
  enqueue: World["enqueue"];
  unixNow: () => number;
  newChatInstance: () => string;
}) {
  const { users, groups, enqueue, unixNow, newChatInstance } = deps;
  const privateChats = new Map<string, ChatState>();
  const relations = new Map<string, Relation>();

  const relationKey = (b: BotState, userId: number): string => `${b.id}:${userId}`;
  const relation = (b: BotState, userId: number): Relation => relations.get(relationKey(b, userId)) ?? "none";

  const privateChat = (b: BotState, user: SandboxUser): ChatState => {
    const key = relationKey(b, user.id);
    let chat = privateChats.get(key);
    if (!chat) {
      chat = {
        id: user.id,
        type: "private",
        user,
        records: [],
        memberIds: new Set([user.id]),
        botIds: new Set([b.id]),
        adminIds: new Set(),
        instance: newChatInstance(),
      };
      privateChats.set(key, chat);
    }
    return chat;
  };

  const viewChat = (chatId: number, b: BotState): ChatState => {
    if (chatId < 0) {
      const g = groups.get(chatId);
      if (!g) throw new SandboxError(404, `unknown chat ${chatId}`);
      return g;
    }
    return privateChat(b, requireUser(users, chatId));
  };

  /** Where a user action lands: the private chat with the bot, or a group both are in. */
  const userChat = (b: BotState, user: SandboxUser, chatId?: number): ChatState => {
    if (chatId === undefined || chatId === user.id) return privateChat(b, user);
    const g = groups.get(chatId);
    if (!g) throw new SandboxError(404, `unknown chat ${chatId}`);
    if (!g.memberIds.has(user.id))
      throw new SandboxError(400, `user ${user.id} is not a member of chat ${chatId}`);
    if (!g.botIds.has(b.id)) throw new SandboxError(400, `bot ${b.id} is not a member of chat ${chatId}`);
    return g;
  };

  const setRelation = (b: BotState, user: SandboxUser, next: Relation): void => {
    const prev = relation(b, user.id);
    if (prev === next) return;
    relations.set(relationKey(b, user.id), next);
    if (prev === "none" && next === "member") return; // Starting a bot sends no my_chat_member.
    const chat = privateChat(b, user);
    const status = (s: Relation): Json =>
      s === "kicked"
        ? { user: { ...b.user }, status: "kicked", until_date: 0 }
        : { user: { ...b.user }, status: s === "member" ? "member" : "left" };
    enqueue(b, "my_chat_member", {
      chat: chatObject(chat),
      from: userObject(user),
      date: unixNow(),
      old_chat_member: status(prev),
      new_chat_member: status(next),
    });
  };

  return {
    relation,
    privateChat,
    viewChat,
    userChat,
    /** Started before the test began: reachable, with no update queued and no reply window opened. */
    markStarted(b: BotState, userId: number): void {
      relations.set(relationKey(b, userId), "member");
    },
    /** A user writing to a bot they blocked unblocks it first, as Telegram's "Restart" button does. */
    userTouchesPrivateChat(b: BotState, user: SandboxUser): void {
      if (relation(b, user.id) !== "member") setRelation(b, user, "member");
    },
    block(b: BotState, userId: number): void {
      setRelation(b, requireUser(users, userId), "kicked");
    },
    unblock(b: BotState, userId: number): void {
      const user = requireUser(users, userId);
      if (relation(b, userId) === "kicked") setRelation(b, user, "member");
    },
  };
}
