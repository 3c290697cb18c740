import type { Conversation } from "@grammyjs/conversations";
import { type Api, GrammyError } from "grammy";
import type { DialogContext, HeraldContext } from "../context.js";

type SendOptions = Parameters<Api["sendMessage"]>[2];
type EditOptions = Parameters<Api["editMessageText"]>[3];

/**
 * What a dialog says, sent through the bot's own API (throttled, with auto-retry) inside
 * `conversation.external`: each message goes once and its result is stored in the dialog's log.
 * Replying with the dialog context's API instead would go unthrottled, and any transformer added
 * there would act again on every replay of the recorded calls.
 */
export function dialogIO(conversation: Conversation<HeraldContext, DialogContext>, chatId: number) {
  return {
    say(text: string, options?: SendOptions): Promise<number> {
      return conversation.external((outer) =>
        outer.api.sendMessage(chatId, text, options).then((message) => message.message_id),
      );
    },
    answer(c: DialogContext, options?: { text?: string; show_alert?: boolean }): Promise<void> {
      const id = c.callbackQuery?.id;
      if (id === undefined) return Promise.resolve();
      // An answer that comes too late (the button was pressed long ago) is not worth failing for.
      return conversation.external((outer) =>
        outer.api.answerCallbackQuery(id, options).then(
          () => undefined,
          () => undefined,
        ),
      );
    },
    edit(c: DialogContext, text: string, options?: EditOptions): Promise<void> {
      const messageId = c.callbackQuery?.message?.message_id;
      if (messageId === undefined) return Promise.resolve();
      return conversation.external((outer) =>
        outer.api.editMessageText(chatId, messageId, text, options).then(
          () => undefined,
          (error: unknown) => {
            if (error instanceof GrammyError && error.description.includes("message is not modified")) return;
            throw error;
          },
        ),
      );
    },
  };
}
