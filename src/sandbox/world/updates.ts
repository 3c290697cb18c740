import type { EventEmitter } from "node:events";
import type { BotState, Json } from "./types.js";

/** Telegram's default for getUpdates without allowed_updates (or with an empty list). */
const NOT_DELIVERED_BY_DEFAULT = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

const isAllowed = (b: BotState, type: string): boolean => {
  const list = b.allowedUpdates;
  if (list === null || list.length === 0) return !NOT_DELIVERED_BY_DEFAULT.has(type);
  return list.includes(type);
};

export const pendingUpdates = (b: BotState, offset: number): Json[] =>
  b.updates.filter((u) => (u.update_id as number) >= offset);

export function confirmUpdates(b: BotState, offset: number): void {
  if (offset < 0) {
    b.updates = b.updates.slice(Math.max(0, b.updates.length + offset));
  } else if (offset > 0) {
    b.updates = b.updates.filter((u) => (u.update_id as number) >= offset);
  }
}

/** Queues an update for a bot and answers its waiting long poll. */
export function createEnqueue(events: EventEmitter): (b: BotState, type: string, payload: Json) => void {
  return (b, type, payload) => {
    // Like Telegram, the filter applies when the update is created, not when it is fetched.
    if (!isAllowed(b, type)) return;
    const update: Json = { update_id: b.nextUpdateId++, [type]: payload };
    b.updates.push(update);
    events.emit("update", { botId: b.id, update: structuredClone(update) });
    const poll = b.poll;
    if (poll) {
      const ready = pendingUpdates(b, poll.offset);
      if (ready.length > 0) {
        b.poll = null;
        poll.finish(ready.slice(0, poll.limit));
      }
    }
  };
}
