import type { CallbackAnswer, ChatRecord, Sandbox } from "../../src/sandbox/index.js";
import { type createChatReader, pressButton } from "./bot-chat.js";
import { waitFor } from "./wait-for.js";

/**
 * An English-speaking organiser composes a plain text broadcast to all active subscribers in their
 * private chat, up to the last step; returns that step's message (Test send, Launch, Save, Cancel).
 */
export async function composeToLaunch(
  sandbox: Sandbox,
  organiserId: number,
  chat: ReturnType<typeof createChatReader>,
  text: string,
): Promise<ChatRecord> {
  const press = (message: ChatRecord, label: RegExp) => pressButton(sandbox, organiserId, message, label);
  sandbox.userSends(organiserId, "/new");
  await chat.next(/^New broadcast\. Send the message/);
  sandbox.userSends(organiserId, text);
  press(await chat.next(/^Add URL buttons/), /No buttons/);
  press(await chat.next(/^Who receives it\?/), /^All active/);
  press(await chat.next(/^Plan\n/), /Continue/);
  await chat.next(new RegExp(`^${escapeRegExp(text)}`));
  return chat.next(/^Above: the message/);
}

/** The bot's answer to one button press (userPresses returns the press's callback query id). */
export function answerTo(
  sandbox: Sandbox,
  callbackQueryId: string,
  timeoutMs?: number,
): Promise<CallbackAnswer> {
  return waitFor(() => sandbox.callbackAnswers().find((a) => a.callback_query_id === callbackQueryId), {
    what: `an answer to the button press ${callbackQueryId}`,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
