/**
 * Which fields of Telegram's objects name or reach a person, in one place for the two that clear them:
 * the dialog storage strips them before anything is written (bot/strip-personal.ts) and the logger
 * clears them from every line (logger.ts). Two lists drifted apart before; this module is the one list.
 * It sits at the bottom of `src/` and imports nothing, so the logger may use it without reaching into bot/.
 */

/** Fields that name or reach a person in every Telegram object that carries them (see personalFieldsOf). */
export const PERSONAL_FIELDS = [
  "first_name",
  "last_name",
  "username",
  "active_usernames",
  "bio",
  "birthdate",
  "phone_number",
  "vcard",
  "email",
  "sender_user_name",
  "forward_sender_name",
  "forward_signature",
  "author_signature",
] as const;

/** Fields that name a person only in some objects: a chat's `title`, not a broadcast's (personalFieldsOf). */
export const SHAPE_PERSONAL_FIELDS = ["title", "new_chat_title", "order_info"] as const;

type Fields = Record<string, unknown>;
type Field = (typeof PERSONAL_FIELDS)[number] | (typeof SHAPE_PERSONAL_FIELDS)[number];

const CHAT_TYPES: ReadonlySet<unknown> = new Set(["private", "group", "supergroup", "channel"]);
const ORIGIN_TYPES: ReadonlySet<unknown> = new Set(["user", "hidden_user", "chat", "channel"]);
const isNumber = (value: unknown) => typeof value === "number";
const isObject = (value: unknown) => typeof value === "object" && value !== null;

/** User: `id` and `is_bot` (a bot's own names are not a person's). */
export const isTelegramUser = (o: Fields) => isNumber(o.id) && typeof o.is_bot === "boolean";
/** Chat and ChatFullInfo: `id` and one of the four chat types. */
export const isTelegramChat = (o: Fields) => isNumber(o.id) && CHAT_TYPES.has(o.type);
/** ChatShared: the chat a user picked, known by `chat_id` to the request that asked for it. */
export const isSharedChat = (o: Fields) => isNumber(o.chat_id) && isNumber(o.request_id);
/** Message (a forward's or a channel post's signatures, a group's new title). */
const isMessage = (o: Fields) => isNumber(o.message_id) && isNumber(o.date) && isObject(o.chat);

/**
 * The shapes in which Telegram sends a person's fields. Anything else (Herald's own values in a
 * dialog's replay log, which may well have a `username` or an `email` one day) is not Telegram's.
 */
const PERSON_BEARING: ReadonlyArray<(o: Fields) => boolean> = [
  isTelegramUser,
  isTelegramChat,
  isSharedChat,
  isMessage,
  // Contact (its `user_id` is optional) and SharedUser.
  (o) => typeof o.phone_number === "string" && typeof o.first_name === "string",
  (o) => isNumber(o.user_id),
  // MessageOrigin: a forward's sender, by user, hidden name, chat or channel.
  (o) =>
    ORIGIN_TYPES.has(o.type) &&
    isNumber(o.date) &&
    ("sender_user" in o || "sender_user_name" in o || "sender_chat" in o || "chat" in o),
  // ChatJoinRequest: the applicant's bio.
  (o) => isNumber(o.user_chat_id) && isObject(o.from),
  // EncryptedPassportElement: its e-mail and phone are in the clear.
  (o) => (o.type === "email" || o.type === "phone_number") && typeof o.hash === "string",
];

/**
 * The fields of `o` that name or reach a person, by which Telegram object it is; none for anything
 * else, and none for a bot. A group's title is chosen by its members and may well name them; a
 * payment's order info is a name, a phone, an e-mail and an address.
 */
export function personalFieldsOf(o: Fields): readonly Field[] {
  if (isTelegramUser(o) && o.is_bot === true) return [];
  const fields: Field[] = PERSON_BEARING.some((is) => is(o)) ? [...PERSONAL_FIELDS] : [];
  if (isTelegramChat(o) || isSharedChat(o)) fields.push("title");
  if (isMessage(o)) fields.push("new_chat_title");
  // SuccessfulPayment, PreCheckoutQuery.
  if (typeof o.invoice_payload === "string") fields.push("order_info");
  return fields;
}
