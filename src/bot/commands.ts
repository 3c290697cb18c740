import type { Api } from "grammy";
import { LANGUAGES } from "../db/schema.js";
import { messagesFor } from "./locales/index.js";

/** The command menu attendees see; Russian is the default list, English for English-speaking clients. */
export async function publishCommands(api: Api): Promise<void> {
  for (const language of LANGUAGES) {
    const messages = messagesFor(language);
    const commands = [
      { command: "start", description: messages.commandStart },
      { command: "stop", description: messages.commandStop },
      { command: "help", description: messages.commandHelp },
    ];
    await api.setMyCommands(commands, {
      scope: { type: "all_private_chats" },
      ...(language === "ru" ? {} : { language_code: language }),
    });
  }
}
