import type { EventEmitter } from "node:events";
import type { ChatRecord, SandboxClock, SandboxStats } from "../types.js";
import type { World } from "./types.js";

/** Detached copies, so callers can neither mutate the sandbox nor see later edits by surprise. */
export function snapshot(rec: ChatRecord): ChatRecord {
  return structuredClone(rec);
}

/** Messages stored in chats, their edits and deletions; bot messages are counted and announced. */
export function createMessageLog(opts: {
  clock: SandboxClock;
  events: EventEmitter;
  /** The current stats (resetStats replaces them). */
  stats: () => SandboxStats;
}): Pick<World, "storeMessage" | "recordEdit" | "recordDelete"> {
  const { clock, events } = opts;
  const now = (): number => clock.now();

  const storeMessage: World["storeMessage"] = (chat, fields) => {
    const rec: ChatRecord = {
      message_id: chat.records.length + 1,
      chat_id: chat.id,
      date: Math.floor(now() / 1000),
      at: now(),
      ...fields,
      edits: [],
      deleted: false,
    };
    chat.records.push(rec);
    if (rec.from === "bot") {
      const stats = opts.stats();
      stats.messagesSent++;
      if (rec.paid) stats.paidMessages++;
      const key = String(chat.id);
      stats.messagesPerChat[key] = (stats.messagesPerChat[key] ?? 0) + 1;
      events.emit("message", snapshot(rec));
    }
    return rec;
  };

  const recordEdit: World["recordEdit"] = (_chat, rec, change) => {
    const at = now();
    Object.assign(rec, change);
    for (const k of Object.keys(change) as Array<keyof typeof change>) {
      if (change[k] === undefined) delete rec[k];
    }
    rec.edits.push({
      at,
      ...(change.text !== undefined && { text: change.text }),
      ...(change.caption !== undefined && { caption: change.caption }),
      ...(change.entities !== undefined && { entities: change.entities }),
      ...(change.caption_entities !== undefined && { entities: change.caption_entities }),
      ...("reply_markup" in change && { reply_markup: change.reply_markup }),
    });
    events.emit("edit", snapshot(rec));
  };

  const recordDelete: World["recordDelete"] = (_chat, rec) => {
    rec.deleted = true;
    events.emit("delete", snapshot(rec));
  };

  return { storeMessage, recordEdit, recordDelete };
}
