import type { Conversation } from "@grammyjs/conversations";
import { type Api, GrammyError } from "grammy";
import { type Codec, isDialogButton } from "../callback-data.js";
import type { DialogContext, HeraldContext } from "../context.js";
import type { Messages } from "../locales/index.js";

type SendOptions = Parameters<Api["sendMessage"]>[2];
type EditOptions = Parameters<Api["editMessageText"]>[3];

/** A text message that is not a command. */
export const texted = (c: DialogContext) => c.message?.text !== undefined && !c.message.text.startsWith("/");

/** A press of a button of this family (even one this version cannot decode). */
export const pressed = (family: Pick<Codec<unknown>, "matches">) => (c: DialogContext) =>
  family.matches(c.callbackQuery?.data);

export interface DialogIOOptions {
  /**
   * What a press of a button this step does not take says instead of "this dialog is over", when it
   * knows better (an old Launch: "already launched as #N"). Reads the database: runs in `external`.
   */
  staleAnswer?: (data: string | undefined) => string | undefined;
}

export type DialogIO = ReturnType<typeof dialogIO>;

/**
 * What a dialog says, sent through the bot's own API (behind the bot's flood gate) inside
 * `conversation.external`: each message goes once and its result is stored in the dialog's log.
 * Replying with the dialog context's API instead would bypass the gate, and any transformer added
 * there would act again on every replay of the recorded calls. Presses of buttons that are not a
 * dialog's pass through the dialog to the rest of the bot.
 */
export function dialogIO(
  conversation: Conversation<HeraldContext, DialogContext>,
  chatId: number,
  messages: Pick<Messages, "staleButton" | "composeCommandInDialog">,
  options: DialogIOOptions = {},
) {
  const io = {
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
    /**
     * The next update of this organiser that `accept` takes. Other buttons and commands pass through
     * to the rest of the bot (Pause on a progress message works mid-dialog), except the commands in
     * `stay`, which are answered with "you are in a dialog"; anything else gets the hint.
     */
    async input(
      accept: (c: DialogContext) => boolean,
      hint: string,
      stay: readonly string[] = [],
    ): Promise<DialogContext> {
      for (;;) {
        const c = await conversation.wait();
        if (accept(c)) return c;
        const data = c.callbackQuery?.data;
        if (data !== undefined && !isDialogButton(data)) await conversation.skip({ next: true });
        const command = c.message?.text?.startsWith("/")
          ? c.message.text.slice(1).split(/[\s@]/)[0]
          : undefined;
        if (command !== undefined && !stay.includes(command)) await conversation.skip({ next: true });
        if (c.callbackQuery) {
          const known = options.staleAnswer;
          const text = known ? await conversation.external(() => known(data) ?? null) : null;
          await io.answer(c, text === null ? { text: messages.staleButton } : { text, show_alert: true });
        } else await io.say(command !== undefined ? messages.composeCommandInDialog : hint);
      }
    },
  };
  return io;
}
