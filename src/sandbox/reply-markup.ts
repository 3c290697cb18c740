import { ApiError } from "./errors.js";
import { isButtonUrl } from "./links.js";

const INLINE_ACTIONS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
] as const;

const MAX_CALLBACK_DATA_BYTES = 64;

/** Parses (form data sends JSON strings) and validates reply_markup the way the Bot API rejects it. */
export function parseReplyMarkup(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  let markup = value;
  if (typeof markup === "string") {
    try {
      markup = JSON.parse(markup);
    } catch {
      throw new ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object");
    }
  }
  if (typeof markup !== "object" || markup === null || Array.isArray(markup)) {
    throw new ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object");
  }
  const m = markup as Record<string, unknown>;
  if ("inline_keyboard" in m) {
    validateInlineKeyboard(m.inline_keyboard);
    return m;
  }
  if ("keyboard" in m) {
    const rows = m.keyboard;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
      throw new ApiError(
        400,
        'Bad Request: field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays',
      );
    }
    for (const row of rows as unknown[][]) {
      for (const button of row) {
        const text = typeof button === "string" ? button : (button as { text?: unknown } | null)?.text;
        if (typeof text !== "string" || text === "") {
          throw new ApiError(
            400,
            'Bad Request: can\'t parse keyboard button: Field "text" must be of type String',
          );
        }
      }
    }
    return m;
  }
  if (m.remove_keyboard === true || m.force_reply === true) return m;
  throw new ApiError(
    400,
    'Bad Request: can\'t find field "inline_keyboard", "keyboard", "remove_keyboard" or "force_reply" in reply_markup',
  );
}

function validateInlineKeyboard(rows: unknown): void {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) {
    throw new ApiError(
      400,
      'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
    );
  }
  for (const row of rows as unknown[][]) {
    for (const item of row) {
      if (typeof item !== "object" || item === null) {
        throw new ApiError(
          400,
          "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must be an Object",
        );
      }
      const button = item as Record<string, unknown>;
      if (typeof button.text !== "string") {
        throw new ApiError(
          400,
          'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String',
        );
      }
      const actions = INLINE_ACTIONS.filter((k) => button[k] !== undefined);
      if (actions.length === 0) {
        throw new ApiError(
          400,
          "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        );
      }
      if (actions.length > 1) {
        throw new ApiError(
          400,
          `Bad Request: can't parse inline keyboard button: exactly one of the optional fields must be used, found ${actions.join(", ")}`,
        );
      }
      if (button.url !== undefined) {
        if (typeof button.url !== "string" || !isButtonUrl(button.url)) {
          throw new ApiError(
            400,
            `Bad Request: inline keyboard button URL '${String(button.url)}' is invalid: only http(s) and tg links are allowed`,
          );
        }
      }
      if (button.callback_data !== undefined) {
        const data = button.callback_data;
        if (
          typeof data !== "string" ||
          data === "" ||
          Buffer.byteLength(data, "utf8") > MAX_CALLBACK_DATA_BYTES
        ) {
          throw new ApiError(
            400,
            `Bad Request: BUTTON_DATA_INVALID: callback_data must be 1-${MAX_CALLBACK_DATA_BYTES} bytes, got ${
              typeof data === "string" ? Buffer.byteLength(data, "utf8") : typeof data
            }`,
          );
        }
      }
    }
  }
}

/** The callback_data values a user could press on a message right now. */
export function callbackDataOf(markup: unknown): string[] {
  const rows = (markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
  if (!Array.isArray(rows)) return [];
  return rows.flatMap((row: unknown) =>
    Array.isArray(row)
      ? row.flatMap((b: unknown) => {
          const data = (b as { callback_data?: unknown } | null)?.callback_data;
          return typeof data === "string" ? [data] : [];
        })
      : [],
  );
}
