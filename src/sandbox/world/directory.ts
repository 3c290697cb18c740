import { SandboxError } from "../errors.js";
import type { SandboxUser } from "../types.js";
import { requireUser } from "./chats.js";
import type { BotState, ChatState, World } from "./types.js";
import { chatObject, userObject } from "./views.js";

export const FIRST_USER_ID = 100_000_001;
export const FIRST_GROUP_ID = -1_001_000_000_001;

/** createUser and createGroup: who exists, with ids handed out in order. */
export function createDirectory(deps: {
  bots: BotState[];
  bot: World["bot"];
  users: Map<number, SandboxUser>;
  groups: Map<number, ChatState>;
  enqueue: World["enqueue"];
  chatMember: World["chatMember"];
  markStarted: (b: BotState, userId: number) => void;
  unixNow: () => number;
  newChatInstance: () => string;
}): Pick<World, "createUser" | "createGroup"> {
  const { bots, bot, users, groups, enqueue } = deps;
  let nextUserId = FIRST_USER_ID;
  let nextGroupId = FIRST_GROUP_ID;

  const createUser: World["createUser"] = (u, o = {}) => {
    const startedIn = o.started ? bot(o.botToken) : undefined;
    if (typeof u?.first_name !== "string" || u.first_name.trim() === "") {
      throw new SandboxError(400, "first_name must be a non-empty string");
    }
    for (const k of ["last_name", "username", "language_code"] as const) {
      if (u[k] !== undefined && typeof u[k] !== "string")
        throw new SandboxError(400, `${k} must be a string`);
    }
    const user: SandboxUser = {
      id: nextUserId++,
      is_bot: false,
      first_name: u.first_name,
      ...(u.last_name !== undefined && { last_name: u.last_name }),
      ...(u.username !== undefined && { username: u.username }),
      ...(u.language_code !== undefined && { language_code: u.language_code }),
    };
    users.set(user.id, user);
    if (startedIn) deps.markStarted(startedIn, user.id);
    return { ...user };
  };

  const createGroup: World["createGroup"] = (g) => {
    if (typeof g?.title !== "string" || g.title.trim() === "")
      throw new SandboxError(400, "title must be a non-empty string");
    if (!Array.isArray(g.memberIds)) throw new SandboxError(400, "memberIds must be an array of user ids");
    const type = g.type ?? "supergroup";
    if (type !== "group" && type !== "supergroup")
      throw new SandboxError(400, 'type must be "group" or "supergroup"');
    if (g.adminIds !== undefined && !Array.isArray(g.adminIds))
      throw new SandboxError(400, "adminIds must be an array of user or bot ids");
    const memberIds = new Set<number>();
    const botIds = new Set<number>();
    const adminIds = new Set<number>();
    const addMember = (id: number): number => {
      const asBot = bots.find((b) => b.id === id);
      if (asBot) botIds.add(asBot.id);
      else memberIds.add(requireUser(users, id).id);
      return id;
    };
    for (const id of g.memberIds) addMember(id);
    for (const id of g.adminIds ?? []) adminIds.add(addMember(id));
    let creatorId: number | undefined;
    if (g.creatorId !== undefined) {
      if (bots.some((b) => b.id === g.creatorId)) throw new SandboxError(400, "a bot can't create a group");
      creatorId = addMember(g.creatorId);
    }
    for (const token of g.botTokens ?? bots.map((b) => b.config.token)) botIds.add(bot(token).id);
    const chat: ChatState = {
      id: nextGroupId--,
      type,
      title: g.title,
      records: [],
      memberIds,
      botIds,
      adminIds,
      ...(creatorId !== undefined && { creatorId }),
      instance: deps.newChatInstance(),
    };
    groups.set(chat.id, chat);
    const adder = creatorId ?? [...memberIds][0];
    if (adder !== undefined) {
      for (const b of bots) {
        if (!botIds.has(b.id)) continue;
        enqueue(b, "my_chat_member", {
          chat: chatObject(chat),
          from: userObject(requireUser(users, adder)),
          date: deps.unixNow(),
          old_chat_member: { user: { ...b.user }, status: "left" },
          new_chat_member: deps.chatMember(chat, b.id),
        });
      }
    }
    return { id: chat.id, title: g.title, type };
  };

  return { createUser, createGroup };
}
