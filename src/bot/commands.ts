import type { Api } from "grammy";
import type { BotCommand } from "grammy/types";
import { LANGUAGES, type Language } from "../db/schema.js";
import { type Messages, messagesFor } from "./locales/index.js";

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
    { command: "cancel", description: m.commandCancel },
  ];
}

const languageOption = (language: Language) => (language === "ru" ? {} : { language_code: language });

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
