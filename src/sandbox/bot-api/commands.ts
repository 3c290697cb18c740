import { badRequest } from "../errors.js";
import type { Params } from "../request-body.js";
import type { BotState, Json, World } from "../state.js";
import type { CallHelpers, Methods } from "./context.js";
import { chatIdParam, int, json, str } from "./params.js";

const SCOPE_TYPES = new Set([
  "default",
  "all_private_chats",
  "all_group_chats",
  "all_chat_administrators",
  "chat",
  "chat_administrators",
  "chat_member",
]);

const commandsKey = (scope: Json, lang: string): string => {
  const sorted = Object.fromEntries(Object.entries(scope).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify(sorted)}|${lang}`;
};

const languageParam = (p: Params): string => {
  const lang = str(p, "language_code") ?? "";
  if (lang !== "" && !/^[a-z]{2}$/.test(lang)) throw badRequest("invalid language code specified");
  return lang;
};

function commandList(p: Params): Array<{ command: string; description: string }> {
  const list = json(p, "commands", "commands");
  if (!Array.isArray(list)) throw badRequest("can't parse commands JSON object");
  if (list.length > 100) throw badRequest("too many commands specified");
  return list.map((c: unknown) => {
    const cmd = c as { command?: unknown; description?: unknown } | null;
    if (typeof cmd?.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(cmd.command)) {
      throw badRequest("BOT_COMMAND_INVALID");
    }
    if (
      typeof cmd.description !== "string" ||
      cmd.description.trim() === "" ||
      cmd.description.length > 256
    ) {
      throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
    }
    return { command: cmd.command, description: cmd.description };
  });
}

/** setMyCommands, getMyCommands and deleteMyCommands, stored per scope and language. */
export function commandMethods(world: World, h: CallHelpers): Methods {
  /** The scope as Telegram keeps it: type plus numeric chat_id/user_id, for chats the bot can see. */
  const scopeParam = (bot: BotState, p: Params): Json => {
    const v = json(p, "scope", "bot command scope");
    if (v === undefined || v === null) return { type: "default" };
    if (typeof v !== "object" || Array.isArray(v) || !SCOPE_TYPES.has(String((v as Json).type))) {
      throw badRequest("unsupported bot command scope type");
    }
    const given = v as Json;
    const scope: Json = { type: given.type };
    if (["chat", "chat_administrators", "chat_member"].includes(String(given.type))) {
      if (given.chat_id === undefined || given.chat_id === null) throw badRequest("chat_id is empty");
      const chat = h.visibleChat(bot, chatIdParam(given));
      scope.chat_id = chat.id;
    }
    if (given.type === "chat_member") {
      if (given.user_id === undefined || given.user_id === null) throw badRequest("user_id is empty");
      const userId = int(given, "user_id");
      if (userId === undefined || !world.user(userId)) throw badRequest("user not found");
      scope.user_id = userId;
    }
    return scope;
  };
  return {
    setMyCommands: ({ bot, params: p }) => {
      const commands = commandList(p);
      const scope = scopeParam(bot, p);
      const lang = languageParam(p);
      const key = commandsKey(scope, lang);
      if (commands.length === 0) bot.commands.delete(key);
      else bot.commands.set(key, { scope, ...(lang !== "" && { language_code: lang }), commands });
      return true;
    },
    getMyCommands: ({ bot, params: p }) => {
      const stored = bot.commands.get(commandsKey(scopeParam(bot, p), languageParam(p)));
      return structuredClone(stored?.commands ?? []);
    },
    deleteMyCommands: ({ bot, params: p }) => {
      bot.commands.delete(commandsKey(scopeParam(bot, p), languageParam(p)));
      return true;
    },
  };
}
