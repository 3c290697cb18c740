import type { ChatRecord, Sandbox } from "../../sandbox/index.js";

/** The demo's story goes to stdout, one line at a time (logs go to stderr). */
export const say = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};

export const TICKET_TEXT = /Ваш билет|Your event ticket/;
export const REJECTION_TEXT = /не прошла модерацию|did not pass moderation/;

export interface Check {
  ok: boolean;
}

/** A user sends something and waits for the bot's next answer (optionally the next one that matches). */
export async function exchange(
  sandbox: Sandbox,
  userId: number,
  text: string,
  matches: (m: ChatRecord) => boolean = () => true,
): Promise<ChatRecord> {
  const lastSeen = sandbox.botMessages(userId).at(-1)?.message_id ?? 0;
  if (text.startsWith("/start")) sandbox.userStarts(userId, text.slice("/start".length).trim());
  else sandbox.userSends(userId, text);
  return sandbox.waitForBotMessage(userId, (m) => m.message_id > lastSeen && matches(m), {
    timeoutMs: 30_000,
  });
}

export async function inBatches<T>(
  items: readonly T[],
  size: number,
  run: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

export function buttonUrls(message: ChatRecord): string[] {
  const markup = message.reply_markup as { inline_keyboard?: Array<Array<{ url?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? []).flat().flatMap((button) => (button.url ? [button.url] : []));
}

export function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0] ?? "";
}
