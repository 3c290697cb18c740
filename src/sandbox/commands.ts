import { SandboxError } from "./errors.js";
import type { World } from "./state.js";
import type { CommandsForOptions, StoredCommands } from "./types.js";

/** Who is looking at which chat, as far as picking a command list goes. */
export interface CommandViewer {
  chatId: number;
  chatType: "private" | "group" | "supergroup";
  /** The user whose client shows the menu (chat_member scope); undefined = nobody in particular. */
  userId?: number;
  /** The user is the group's creator or an administrator (the *_administrators scopes). */
  isAdmin: boolean;
  /** The client's language, e.g. "ru" or "pt-br"; undefined = only lists without language_code apply. */
  languageCode?: string;
}

interface Scope {
  type?: unknown;
  chat_id?: unknown;
  user_id?: unknown;
}

type ScopeTest = (scope: Scope) => boolean;

/**
 * The list a client shows, per the Bot API's "Determining list of commands": the first scope in priority
 * order that has a list wins, and within a scope the viewer's language comes before the list without one.
 */
export function resolveCommands(stored: readonly StoredCommands[], viewer: CommandViewer): unknown[] {
  const inChat = (s: Scope): boolean => Number(s.chat_id) === viewer.chatId;
  const of =
    (type: string, extra: ScopeTest = () => true): ScopeTest =>
    (s) =>
      s.type === type && extra(s);
  const order: ScopeTest[] = [];
  if (viewer.chatType === "private") {
    order.push(of("chat", inChat), of("all_private_chats"));
  } else {
    if (viewer.userId !== undefined) {
      order.push(of("chat_member", (s) => inChat(s) && Number(s.user_id) === viewer.userId));
    }
    if (viewer.isAdmin) order.push(of("chat_administrators", inChat));
    order.push(of("chat", inChat));
    if (viewer.isAdmin) order.push(of("all_chat_administrators"));
    order.push(of("all_group_chats"));
  }
  order.push(of("default"));

  const language = viewer.languageCode?.toLowerCase().split("-")[0];
  for (const matches of order) {
    const lists = stored.filter((c) => matches((c.scope ?? {}) as Scope));
    const hit =
      (language ? lists.find((c) => c.language_code === language) : undefined) ??
      lists.find((c) => c.language_code === undefined);
    if (hit) return structuredClone(hit.commands);
  }
  return [];
}

/** The menu a client would show in a chat of the world (see resolveCommands). */
export function commandsForChat(world: World, chatId: number, opts: CommandsForOptions): unknown[] {
  const b = world.bot(opts.botToken);
  const chat = world.viewChat(chatId, b);
  if (chat.type === "private" && opts.userId !== undefined && opts.userId !== chatId) {
    throw new SandboxError(400, `only user ${chatId} sees the private chat ${chatId}`);
  }
  const userId = opts.userId ?? (chat.type === "private" ? chatId : undefined);
  const user = userId === undefined ? undefined : world.user(userId);
  if (userId !== undefined && !user) throw new SandboxError(404, `unknown user ${userId}`);
  const status = userId === undefined ? "left" : world.memberStatus(chat, userId);
  const languageCode = opts.languageCode ?? user?.language_code;
  return resolveCommands([...b.commands.values()], {
    chatId: chat.id,
    chatType: chat.type,
    ...(userId !== undefined && { userId }),
    isAdmin: chat.type !== "private" && (status === "creator" || status === "administrator"),
    ...(languageCode !== undefined && { languageCode }),
  });
}
