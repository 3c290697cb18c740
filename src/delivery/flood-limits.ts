/** Telegram's limits as the flood gate keeps them, and the margins it adds. */

/** Sends this far apart may arrive closer together (network jitter on the way to Telegram). */
export const JITTER_MARGIN_MS = 40;
export const MAX_JITTER_MS = 400;
/** One 429 episode widens the margin by this much (while the measured spread allows it). */
export const JITTER_STEP_MS = 40;
/** A margin widened this long ago without another 429 narrows back by a step. */
export const JITTER_NARROW_AFTER_MS = 60_000;
/** Added to retry_after: our clock and Telegram's are not the same clock. */
export const CLOSE_MARGIN_MS = 150;
/** Telegram's per-chat allowance as we keep it: a burst of 3, then about one a second. */
export const CHAT_LIMIT = 3;
export const CHAT_WINDOW_MS = 3000;
export const GROUP_LIMIT = 20;
export const GROUP_WINDOW_MS = 60_000;
/**
 * A chat's or a group's window is long and its limit small, so a wide margin costs little; at least
 * this much also covers a busy event loop delaying one send of a burst more than the next.
 */
export const CHAT_MARGIN_MS = 250;
/**
 * Replies to a user who wrote this recently do not count against the bulk lane (Telegram exempts
 * them). Shorter than any exemption we have seen, measured from the update's own date.
 */
export const REPLY_EXEMPT_MS = 4000;
/** A 429 on a chat's message is blamed on the bulk lane too if the lane was at least this full. */
export const BULK_BLAME_SHARE = 0.5;
export const PRUNE_AT = 5000;
export const PRUNE_EVERY_MS = 1000;
