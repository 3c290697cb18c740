import type { ChatRecord, Sandbox } from "../../src/sandbox/index.js";

/**
 * Reads a chat the way its user does: each `next(pattern)` waits for the bot's next message (after
 * the last one read) whose text or caption matches, and says what the chat held if none came.
 */
export function createChatReader(sandbox: Sandbox, chatId: number, timeoutMs = 30_000) {
  let after = 0;
  const next = async (pattern: RegExp, what = String(pattern)): Promise<ChatRecord> => {
    const found = await sandbox
      .waitForBotMessage(chatId, (m) => m.message_id > after && pattern.test(m.text ?? m.caption ?? ""), {
        timeoutMs,
      })
      .catch((error: unknown) => {
        const seen = sandbox.botMessages(chatId).map((m) => m.text ?? m.caption ?? m.method);
        throw new Error(`no bot message ${what} in chat ${chatId}; saw: ${JSON.stringify(seen)}`, {
          cause: error,
        });
      });
    after = found.message_id;
    return found;
  };
  return { next };
}

/** The callback data of the inline button whose label matches. */
export function buttonData(message: ChatRecord, label: RegExp): string {
  const rows = (
    message.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> }
  )?.inline_keyboard;
  const button = rows?.flat().find((b) => label.test(b.text));
  if (!button?.callback_data) throw new Error(`no button ${label} on "${message.text}"`);
  return button.callback_data;
}

/** The user presses the inline button whose label matches (in their private chat unless chatId says). */
export function pressButton(
  sandbox: Sandbox,
  userId: number,
  message: ChatRecord,
  label: RegExp,
  chatId?: number,
): void {
  sandbox.userPresses(userId, {
    messageId: message.message_id,
    data: buttonData(message, label),
    ...(chatId !== undefined ? { chatId } : {}),
  });
}
