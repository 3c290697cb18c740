import type { EventEmitter } from "node:events";
import { snapshot, type World } from "./state.js";
import type { ChatRecord } from "./types.js";

const DEFAULT_WAIT_MS = 10_000;

function describe(rec: ChatRecord): string {
  const media = rec.photo
    ? "[photo]"
    : rec.document
      ? "[document]"
      : rec.sticker
        ? "[sticker]"
        : rec.video
          ? "[video]"
          : rec.contact
            ? "[contact]"
            : "";
  const body = rec.text ?? rec.caption ?? media;
  const short = body.length > 60 ? `${body.slice(0, 57)}...` : body;
  return `#${rec.message_id} ${rec.method ?? "?"}${rec.deleted ? " (deleted)" : ""} ${JSON.stringify(short)}`;
}

/**
 * The first bot message in a chat (already there, or stored or edited later) that matches; on timeout
 * the error lists what the bot did send. `waiters` holds a rejecter per pending wait, for close().
 */
export function waitForBotMessage(
  deps: { world: World; events: EventEmitter; waiters: Set<(err: Error) => void> },
  chatId: number,
  predicate: (m: ChatRecord) => boolean,
  opts: { timeoutMs?: number; botToken?: string },
): Promise<ChatRecord> {
  const { world, events, waiters } = deps;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  let chat: ReturnType<typeof world.viewChat>;
  try {
    chat = world.viewChat(chatId, world.bot(opts.botToken));
  } catch (err) {
    return Promise.reject(err);
  }
  const matches = (rec: ChatRecord | undefined): boolean =>
    rec !== undefined && rec.from === "bot" && !rec.deleted && predicate(snapshot(rec));
  return new Promise<ChatRecord>((resolve, reject) => {
    const finish = (err: Error | undefined, rec?: ChatRecord): void => {
      clearTimeout(timer);
      events.off("message", onChange);
      events.off("edit", onChange);
      waiters.delete(onClose);
      if (err) reject(err);
      else resolve(snapshot(rec as ChatRecord));
    };
    const onClose = (err: Error): void => finish(err);
    const onChange = (changed: ChatRecord): void => {
      if (changed.chat_id !== chatId) return;
      const live = chat.records[changed.message_id - 1];
      try {
        if (live && matches(live)) finish(undefined, live);
      } catch (err) {
        finish(err as Error);
      }
    };
    const timer = setTimeout(() => {
      const seen = chat.records.filter((r) => r.from === "bot");
      const listing = seen.slice(-10).map(describe).join("; ");
      finish(
        new Error(
          `waitForBotMessage: no matching bot message in chat ${chatId} after ${timeoutMs} ms; ` +
            `saw ${seen.length} bot message(s)${seen.length > 10 ? " (last 10)" : ""}${listing ? `: ${listing}` : ""}`,
        ),
      );
    }, timeoutMs);
    waiters.add(onClose);
    events.on("message", onChange);
    events.on("edit", onChange);
    try {
      const existing = chat.records.find(matches);
      if (existing) finish(undefined, existing);
    } catch (err) {
      finish(err as Error);
    }
  });
}
