import type { Api, MiddlewareFn } from "grammy";
import type { BotCommand } from "grammy/types";
import type { Organisers } from "../audience/organisers.js";
import { LANGUAGES, type Language } from "../db/schema.js";
import { DEFAULT_LANGUAGE } from "../messages/language.js";
import type { HeraldContext } from "./context.js";
import { type Messages, messagesFor } from "./locales/index.js";

export const ORGANISER_COMMANDS = [
  "admin",
  "new",
  "broadcasts",
  "templates",
  "segments",
  "stats",
  "scenarios",
  "forms",
  "cancel",
] as const;

function attendeeCommands(m: Messages): BotCommand[] {
  return [
    { command: "start", description: m.commandStart },
    { command: "stop", description: m.commandStop },
    { command: "help", description: m.commandHelp },
  ];
}

function organiserCommands(m: Messages): BotCommand[] {
  return [
    { command: "admin", description: m.commandAdmin },
    { command: "new", description: m.commandNew },
    { command: "broadcasts", description: m.commandBroadcasts },
    { command: "templates", description: m.commandTemplates },
    { command: "segments", description: m.commandSegments },
    { command: "stats", description: m.commandStats },
    { command: "scenarios", description: m.commandScenarios },
    { command: "forms", description: m.commandForms },
    { command: "cancel", description: m.commandCancel },
  ];
}

const languageOption = (language: Language) =>
  language === DEFAULT_LANGUAGE ? {} : { language_code: language };

/**
 * Command menus: attendees see /start, /stop, /help in private chats; the organisers' group and each
 * ADMIN_IDS private chat see the organiser commands too. Menus are scoped per chat, so no attendee's
 * client ever lists an organiser command.
 */
export async function publishCommands(
  api: Api,
  organisers: { adminIds: readonly number[]; adminChatId: number | null },
): Promise<void> {
  for (const language of LANGUAGES) {
    const m = messagesFor(language);
    await api.setMyCommands(attendeeCommands(m), {
      scope: { type: "all_private_chats" },
      ...languageOption(language),
    });
    if (organisers.adminChatId !== null) {
      await api.setMyCommands(organiserCommands(m), {
        scope: { type: "chat", chat_id: organisers.adminChatId },
        ...languageOption(language),
      });
    }
  }
  for (const adminId of organisers.adminIds) await publishOrganiserCommands(api, adminId);
}

/** An organiser's private chat: the attendee commands plus the organiser ones. */
export async function publishOrganiserCommands(api: Api, chatId: number): Promise<void> {
  for (const language of LANGUAGES) {
    const m = messagesFor(language);
    await api.setMyCommands([...attendeeCommands(m), ...organiserCommands(m)], {
      scope: { type: "chat", chat_id: chatId },
      ...languageOption(language),
    });
  }
}

/**
 * Members of the organisers' group get their command menu in their private chat on first contact
 * (once per process for each organiser, counted in whichever chat they first show up). After
 * recogniseOrganisers, before the cockpit.
 */
export function publishOrganiserMenu(organisers: Pick<Organisers, "firstSeen">): MiddlewareFn<HeraldContext> {
  return async (ctx, next) => {
    if (ctx.organiser && ctx.from && organisers.firstSeen(ctx.from.id) && ctx.chat?.type === "private") {
      const chatId = ctx.chat.id;
      await publishOrganiserCommands(ctx.api, chatId).catch((error: unknown) =>
        ctx.logger.warn({ err: error }, "could not publish the organiser menu"),
      );
    }
    return next();
  };
}
