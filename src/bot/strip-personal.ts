import { isTelegramChat, personalFieldsOf } from "../telegram-personal-fields.js";

/**
 * Telegram objects as Herald may keep them at rest: ids, types, texts and data of buttons stay, names,
 * usernames, phone numbers and contact cards of people are gone. The conversations plugin stores whole
 * updates in a dialog's replay log, and Telegram puts the sender's name in every one of them.
 *
 * Objects are recognised by their shape, wherever they are nested (an update's `from`, a reply's
 * `chat`, a `text_mention`'s `user`, a forward's origin; fields and shapes are personalFieldsOf's,
 * shared with the logger), so a field Herald's own values happen to share (a broadcast's `title`, a
 * `username` an `external` returns) is left alone and replays as it was recorded. Shapes are kept: a
 * replayed update takes the same branches (`message.contact` is still there), and a field Telegram
 * always sends (a user's `first_name`, a contact's `phone_number`) stays as "" rather than going
 * missing. Bots are not people: their names stay.
 */
export function stripPersonal<T>(value: T): T {
  return strip(value) as T;
}

/**
 * Fields Telegram always sends where they occur (a user's or contact's first name, a contact's phone, a
 * hidden sender's name, a title change; and a chat's title, below): kept, empty, so the object keeps
 * its documented shape. The others are optional and go.
 */
const KEPT_EMPTY: ReadonlySet<string> = new Set([
  "first_name",
  "phone_number",
  "sender_user_name",
  "new_chat_title",
]);

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== "object") return value;
  // As JSON.stringify would write it (a Date returned by an `external` stays its ISO string).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return strip(toJSON.call(value));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(source)) out[key] = strip(inner);
  for (const key of personalFieldsOf(source)) {
    if (!(key in out)) continue;
    const keptEmpty = KEPT_EMPTY.has(key) || (key === "title" && isTelegramChat(source));
    if (keptEmpty && typeof out[key] === "string") out[key] = "";
    else delete out[key];
  }
  return out;
}
