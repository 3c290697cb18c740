import { ApiError, badRequest } from "../errors.js";
import type { Params } from "../request-body.js";
import type { Json, World } from "../state.js";
import type { Handler, Methods } from "./context.js";
import { bool, int, str } from "./params.js";

const MAX_POLL_TIMEOUT_SECONDS = 50;

const UPDATE_TYPES = new Set([
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_connection",
  "business_message",
  "edited_business_message",
  "deleted_business_messages",
  "message_reaction",
  "message_reaction_count",
  "inline_query",
  "chosen_inline_result",
  "callback_query",
  "shipping_query",
  "pre_checkout_query",
  "purchased_paid_media",
  "poll",
  "poll_answer",
  "my_chat_member",
  "chat_member",
  "chat_join_request",
  "chat_boost",
  "removed_chat_boost",
]);

/** Like the Bot API: unparsable values are ignored (setting unchanged), unknown types dropped, [] = default. */
function allowedUpdatesParam(p: Params): string[] | undefined {
  let v = p.allowed_updates;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(v) || !v.every((t) => typeof t === "string")) return undefined;
  return (v as string[]).map((t) => t.toLowerCase()).filter((t) => UPDATE_TYPES.has(t));
}

function createGetUpdates(world: World): Handler {
  return ({ bot, params: p, signal }) => {
    if (bot.webhook) {
      throw new ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      );
    }
    const offset = int(p, "offset") ?? 0;
    const limit = Math.min(100, Math.max(1, int(p, "limit") ?? 100));
    const timeout = Math.min(MAX_POLL_TIMEOUT_SECONDS, Math.max(0, int(p, "timeout") ?? 0));
    const allowed = allowedUpdatesParam(p);
    if (allowed !== undefined) bot.allowedUpdates = allowed;
    world.confirmUpdates(bot, offset);
    const effectiveOffset = Math.max(offset, 0);
    const ready = world.pendingUpdates(bot, effectiveOffset);
    if (ready.length > 0 || timeout === 0 || signal.aborted) return ready.slice(0, limit);
    // As in the Bot API server, a poll that is about to wait evicts the waiting one with 409.
    const previous = bot.poll;
    if (previous) {
      bot.poll = null;
      previous.finish(
        new ApiError(
          409,
          "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
        ),
      );
    }
    return new Promise<Json[]>((resolve, reject) => {
      const timer = setTimeout(() => finish([]), timeout * 1000);
      const onAbort = (): void => finish([]);
      const poll = {
        offset: effectiveOffset,
        limit,
        finish,
      };
      function finish(result: Json[] | ApiError): void {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (bot.poll === poll) bot.poll = null;
        if (result instanceof ApiError) reject(result);
        else resolve(structuredClone(result));
      }
      signal.addEventListener("abort", onAbort);
      bot.poll = poll;
      world.events.emit("poll", { botId: bot.id, offset: effectiveOffset, timeout });
    });
  };
}

const setWebhook: Handler = ({ bot, params: p }) => {
  const url = str(p, "url") ?? "";
  if (url === "") {
    bot.webhook = null;
    if (bool(p, "drop_pending_updates")) bot.updates = [];
    return true;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest("bad webhook: Failed to resolve host: Name or service not known");
  }
  if (parsed.protocol !== "https:")
    throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
  if (parsed.port !== "" && !["80", "88", "443", "8443"].includes(parsed.port)) {
    throw badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
  }
  const secret = str(p, "secret_token");
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    throw badRequest("bad webhook: secret token contains unallowed characters");
  }
  const allowed = allowedUpdatesParam(p);
  if (allowed !== undefined) bot.allowedUpdates = allowed;
  if (bool(p, "drop_pending_updates")) bot.updates = [];
  bot.webhook = {
    url,
    max_connections: Math.min(100, Math.max(1, int(p, "max_connections") ?? 40)),
    ...(secret !== undefined && { secret_token: secret }),
    ...(allowed !== undefined && { allowed_updates: allowed }),
    ...(str(p, "ip_address") !== undefined && { ip_address: str(p, "ip_address") }),
  };
  const poll = bot.poll;
  bot.poll = null;
  poll?.finish(new ApiError(409, "Conflict: terminated by setWebhook request"));
  return true;
};

/** getUpdates (long polling) and the webhook settings that exclude it. */
export function updateMethods(world: World): Methods {
  return {
    getUpdates: createGetUpdates(world),
    setWebhook,
    deleteWebhook: ({ bot, params: p }) => {
      bot.webhook = null;
      if (bool(p, "drop_pending_updates")) bot.updates = [];
      return true;
    },
    getWebhookInfo: ({ bot }) => ({
      url: bot.webhook?.url ?? "",
      has_custom_certificate: false,
      pending_update_count: bot.updates.length,
      ...(bot.webhook && { max_connections: bot.webhook.max_connections }),
      ...(bot.webhook?.ip_address && { ip_address: bot.webhook.ip_address }),
      ...(bot.allowedUpdates && bot.allowedUpdates.length > 0 && { allowed_updates: bot.allowedUpdates }),
    }),
  };
}
