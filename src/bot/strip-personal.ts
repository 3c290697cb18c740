/**
 * Telegram objects as Herald may keep them at rest: ids, types, texts and data of buttons stay, names,
 * usernames, phone numbers and contact cards of people are gone. The conversations plugin stores whole
 * updates in a dialog's replay log, and Telegram puts the sender's name in every one of them.
 *
 * Objects are recognised by their shape, wherever they are nested (an update's `from`, a reply's
 * `chat`, a `text_mention`'s `user`, a forward's origin), so a field Herald's own values happen to
 * share (a broadcast's `title`) is left alone. Shapes are kept: a replayed update takes the same
 * branches (`message.contact` is still there), and a field Telegram always sends (a user's
 * `first_name`, a contact's `phone_number`) stays as "" rather than going missing. Bots are not people:
 * their names stay.
 */
export function stripPersonal<T>(value: T): T {
  return strip(value) as T;
}

const CHAT_TYPES: ReadonlySet<unknown> = new Set(["private", "group", "supergroup", "channel"]);

/** Fields that name or reach a person wherever they appear (a message, a forward origin, a contact). */
const ALWAYS_DROPPED = [
  "last_name",
  "username",
  "active_usernames",
  "bio",
  "birthdate",
  "vcard",
  "email",
  "forward_sender_name",
  "forward_signature",
  "author_signature",
] as const;

/** Fields Telegram always sends: kept, empty, so the object keeps its documented shape. */
const ALWAYS_BLANKED = ["phone_number", "sender_user_name"] as const;

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== "object") return value;
  // As JSON.stringify would write it (a Date returned by an `external` stays its ISO string).
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return strip(toJSON.call(value));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(source)) out[key] = strip(inner);
  if (isBot(source)) return out;
  for (const key of ALWAYS_DROPPED) delete out[key];
  for (const key of ALWAYS_BLANKED) if (typeof out[key] === "string") out[key] = "";
  const named =
    isUser(source) || isChat(source) || typeof source.user_id === "number" || "phone_number" in source;
  if (named && typeof out.first_name === "string") out.first_name = "";
  // A group's title is chosen by its members and may well name them; nothing Herald does reads it.
  if (isChat(source) && typeof out.title === "string") out.title = "";
  // ChatShared: the chat a user picked, known by chat_id.
  if (typeof source.chat_id === "number" && typeof source.request_id === "number") delete out.title;
  return out;
}

const isBot = (o: Record<string, unknown>) => typeof o.id === "number" && o.is_bot === true;
const isUser = (o: Record<string, unknown>) => typeof o.id === "number" && typeof o.is_bot === "boolean";
const isChat = (o: Record<string, unknown>) => typeof o.id === "number" && CHAT_TYPES.has(o.type);
