import { ApiError, badRequest, forbidden } from "./errors.js";
import { guessMimeType } from "./files.js";
import { formatText } from "./formatted-text.js";
import type { UserLookup } from "./html-entities.js";
import { parseReplyMarkup } from "./reply-markup.js";
import { isUpload, type Params, type UploadedFile } from "./request-body.js";
import type { BotState, ChatState, Json, StoredFile, World } from "./state.js";
import type { ChatRecord, Document, MessageEntity, PhotoSize } from "./types.js";

export interface CallContext {
  bot: BotState;
  params: Params;
  /** Aborted when the client goes away (matters for long polls). */
  signal: AbortSignal;
  /** When the sandbox received the request on its socket (clock ms): ≈ when the client sent it. */
  sentAt: number;
  /** The order in which the sandbox received it. */
  receivedSeq: number;
}

type Handler = (ctx: CallContext) => unknown;

export const MAX_TEXT_LENGTH = 4096;
export const MAX_CAPTION_LENGTH = 1024;
const MAX_POLL_TIMEOUT_SECONDS = 50;

/** The calls Telegram counts as messages for flood control. */
export const COUNTED_METHODS = new Set([
  "sendMessage",
  "sendPhoto",
  "sendDocument",
  "copyMessage",
  "forwardMessage",
]);
/** The calls the fault model may break: message sends and edits. */
export const FAULTY_METHODS = new Set([
  ...COUNTED_METHODS,
  "editMessageText",
  "editMessageCaption",
  "editMessageReplyMarkup",
]);

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

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

const SCOPE_TYPES = new Set([
  "default",
  "all_private_chats",
  "all_group_chats",
  "all_chat_administrators",
  "chat",
  "chat_administrators",
  "chat_member",
]);

// --- parameter readers: JSON bodies carry typed values, form bodies carry strings -------------------------

function str(p: Params, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function int(p: Params, key: string): number | undefined {
  const v = p[key];
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

function bool(p: Params, key: string): boolean {
  const v = p[key];
  return v === true || v === "true" || v === "True" || v === "1" || v === 1;
}

function json(p: Params, key: string, what: string): unknown {
  const v = p[key];
  if (typeof v !== "string") return v;
  if (v === "") return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw badRequest(`can't parse ${what} JSON object`);
  }
}

function chatIdParam(p: Params, key = "chat_id"): number {
  const raw = str(p, key)?.trim();
  if (raw === undefined || raw === "") throw badRequest(`${key} is empty`);
  // Only public channels/supergroups have @usernames; the sandbox has none.
  if (!/^-?\d{1,20}$/.test(raw)) throw badRequest("chat not found");
  return Number(raw);
}

function messageIdParam(p: Params, key = "message_id"): number {
  const id = int(p, key);
  if (id === undefined) throw badRequest("message identifier is not specified");
  return id;
}

/** Messages whose media can carry a caption (stickers cannot). */
const captionable = (rec: Partial<ChatRecord>): boolean =>
  rec.photo !== undefined || rec.document !== undefined || rec.video !== undefined;

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function createBotApi(world: World): {
  resolve(method: string): { name: string; handler: Handler } | undefined;
} {
  const lookupUser: UserLookup = (id) => {
    const u = world.user(id);
    return u ? { ...u } : undefined;
  };

  /** The chat a bot may write into right now, with Telegram's 400/403 answers otherwise. */
  const writableChat = (bot: BotState, chatId: number): ChatState => {
    if (chatId > 0) {
      if (world.botById(chatId)) throw forbidden("bots can't send messages to bots");
      const user = world.user(chatId);
      if (!user) throw badRequest("chat not found");
      const rel = world.relation(bot, chatId);
      if (rel === "kicked") throw forbidden("bot was blocked by the user");
      if (rel === "none") throw forbidden("bot can't initiate conversation with a user");
      return world.privateChat(bot, user);
    }
    const group = world.group(chatId);
    if (!group) throw badRequest("chat not found");
    if (!group.botIds.has(bot.id)) {
      throw forbidden(`bot is not a member of the ${group.type === "group" ? "group" : "supergroup"} chat`);
    }
    return group;
  };

  /** A chat the bot can see (read/delete), blocked or not. */
  const visibleChat = (bot: BotState, chatId: number): ChatState => {
    if (chatId > 0) {
      const user = world.user(chatId);
      if (!user || world.relation(bot, chatId) === "none") throw badRequest("chat not found");
      return world.privateChat(bot, user);
    }
    const group = world.group(chatId);
    if (!group?.botIds.has(bot.id)) throw badRequest("chat not found");
    return group;
  };

  const admit = (ctx: CallContext, chat: ChatState, kind: "message" | "edit", paid = false): void => {
    const d = world.flood.admit({
      botId: ctx.bot.id,
      chatId: chat.id,
      chatType: chat.type,
      kind,
      paid,
      sentAt: ctx.sentAt,
      receivedSeq: ctx.receivedSeq,
    });
    if (!d.ok) {
      throw new ApiError(
        429,
        `Too Many Requests: retry after ${d.retryAfter}`,
        { retry_after: d.retryAfter },
        d.scope,
        d,
      );
    }
  };

  const formattedText = (p: Params): { text: string; entities: MessageEntity[] } => {
    const raw = str(p, "text") ?? "";
    if (raw.trim() === "") throw badRequest("message text is empty");
    const f = formatText(raw, str(p, "parse_mode"), p.entities, lookupUser);
    if (f.text === "") throw badRequest("message text is empty");
    if (f.text.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
    return f;
  };

  /** undefined = no caption parameter; a caption that trims to nothing removes the caption. */
  const formattedCaption = (p: Params): { text: string; entities: MessageEntity[] } | undefined => {
    const raw = str(p, "caption");
    if (raw === undefined) return undefined;
    const f = formatText(raw, str(p, "parse_mode"), p.caption_entities, lookupUser);
    if (f.text.length > MAX_CAPTION_LENGTH) throw badRequest("message caption is too long");
    return f;
  };

  const replyTarget = (p: Params, chat: ChatState): number | undefined => {
    let id = int(p, "reply_to_message_id");
    let allowWithout = bool(p, "allow_sending_without_reply");
    const rp = json(p, "reply_parameters", "reply parameters") as
      | { message_id?: unknown; allow_sending_without_reply?: unknown; chat_id?: unknown }
      | undefined;
    if (rp && typeof rp === "object") {
      if (typeof rp.message_id !== "number") throw badRequest("message to be replied not found");
      id = rp.message_id;
      allowWithout = rp.allow_sending_without_reply === true;
    }
    if (id === undefined) return undefined;
    const target = chat.records[id - 1];
    if (!target || target.deleted) {
      if (allowWithout) return undefined;
      throw badRequest("message to be replied not found");
    }
    return id;
  };

  const commonFields = (p: Params, chat: ChatState, paid: boolean): Partial<ChatRecord> => {
    const reply = replyTarget(p, chat);
    return {
      ...(reply !== undefined && { reply_to_message_id: reply }),
      ...(bool(p, "disable_notification") && { disable_notification: true }),
      ...(paid && { paid: true }),
    };
  };

  const store = (bot: BotState, chat: ChatState, method: string, fields: Partial<ChatRecord>): ChatRecord =>
    world.storeMessage(chat, { from: "bot", from_id: bot.id, method, ...fields });

  // --- media ------------------------------------------------------------------------------------------

  type MediaInput =
    | { kind: "upload"; file: UploadedFile }
    | { kind: "stored"; file: StoredFile }
    | { kind: "url"; url: string };

  const mediaInput = (p: Params, field: "photo" | "document"): MediaInput => {
    let v = p[field];
    if (typeof v === "string" && v.startsWith("attach://")) {
      v = p[v.slice("attach://".length)];
      if (!isUpload(v)) throw badRequest("wrong file identifier/HTTP URL specified");
    }
    if (isUpload(v)) {
      if (v.data.length === 0) throw badRequest("file must be non-empty");
      return { kind: "upload", file: v };
    }
    if (v === undefined || v === null || v === "") throw badRequest(`there is no ${field} in the request`);
    if (typeof v !== "string") throw badRequest("wrong file identifier/HTTP URL specified");
    if (/^https?:\/\/[^\s/]+/i.test(v)) {
      if (!URL.canParse(v)) throw badRequest("wrong file identifier/HTTP URL specified");
      return { kind: "url", url: v };
    }
    const stored = world.files.get(v);
    if (!stored) throw badRequest("wrong file identifier/HTTP URL specified");
    return { kind: "stored", file: stored };
  };

  const materializePhoto = (input: MediaInput): PhotoSize[] => {
    if (input.kind === "stored" && input.file.photo) return input.file.photo;
    if (input.kind === "stored") return world.storePhoto(input.file.data);
    return world.storePhoto(input.kind === "upload" ? input.file.data : null);
  };

  const materializeDocument = (input: MediaInput): Document => {
    let file: StoredFile;
    if (input.kind === "stored") {
      file = input.file;
    } else {
      const name =
        input.kind === "upload"
          ? input.file.filename
          : new URL(input.url).pathname.split("/").pop() || "file";
      const mime = guessMimeType(name, input.kind === "upload" ? input.file.contentType : undefined);
      const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase();
      file = world.storeFile(input.kind === "upload" ? input.file.data : null, "documents", {
        fileName: name,
        ...(mime && { mimeType: mime }),
        ...(ext && { ext }),
      });
    }
    return {
      ...(file.file_name !== undefined && { file_name: file.file_name }),
      ...(file.mime_type !== undefined && { mime_type: file.mime_type }),
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_size: file.file_size,
    };
  };

  const sendMedia = (field: "photo" | "document", method: string): Handler => {
    return (ctx) => {
      const { bot, params: p } = ctx;
      const input = mediaInput(p, field);
      const caption = formattedCaption(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const chat = writableChat(bot, chatIdParam(p));
      const paid = bool(p, "allow_paid_broadcast");
      const common = commonFields(p, chat, paid);
      admit(ctx, chat, "message", paid);
      const media =
        field === "photo" ? { photo: materializePhoto(input) } : { document: materializeDocument(input) };
      const rec = store(bot, chat, method, {
        ...media,
        ...(caption?.text && { caption: caption.text }),
        ...(caption?.entities.length && { caption_entities: caption.entities }),
        ...(markup && { reply_markup: markup }),
        ...common,
      });
      return world.apiMessage(chat, rec);
    };
  };

  // --- copy / forward -----------------------------------------------------------------------------------

  const sourceMessage = (bot: BotState, p: Params, missing: string): { chat: ChatState; rec: ChatRecord } => {
    const fromChatId = chatIdParam(p, "from_chat_id");
    const id = messageIdParam(p);
    const chat = visibleChat(bot, fromChatId);
    const rec = chat.records[id - 1];
    if (!rec || rec.deleted) throw badRequest(missing);
    return { chat, rec };
  };

  const contentOf = (rec: ChatRecord): Partial<ChatRecord> => ({
    ...(rec.text !== undefined && { text: rec.text }),
    ...(rec.entities !== undefined && { entities: structuredClone(rec.entities) }),
    ...(rec.photo !== undefined && { photo: structuredClone(rec.photo) }),
    ...(rec.document !== undefined && { document: structuredClone(rec.document) }),
    ...(rec.sticker !== undefined && { sticker: structuredClone(rec.sticker) }),
    ...(rec.video !== undefined && { video: structuredClone(rec.video) }),
    ...(rec.caption !== undefined && { caption: rec.caption }),
    ...(rec.caption_entities !== undefined && { caption_entities: structuredClone(rec.caption_entities) }),
  });

  // --- edits --------------------------------------------------------------------------------------------

  const editableMessage = (bot: BotState, p: Params): { chat: ChatState; rec: ChatRecord } => {
    if (str(p, "inline_message_id") !== undefined && p.chat_id === undefined) {
      // Inline mode is not simulated, so no inline message can exist.
      throw badRequest("message to edit not found");
    }
    const chat = writableChat(bot, chatIdParam(p));
    const rec = chat.records[messageIdParam(p) - 1];
    if (!rec || rec.deleted) throw badRequest("message to edit not found");
    if (rec.from !== "bot" || rec.from_id !== bot.id) throw badRequest("message can't be edited");
    return { chat, rec };
  };

  const notModified = (): ApiError =>
    badRequest(
      "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
    );

  // --- long polling ---------------------------------------------------------------------------------------

  /** Like the Bot API: unparsable values are ignored (setting unchanged), unknown types dropped, [] = default. */
  const allowedUpdatesParam = (p: Params): string[] | undefined => {
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
  };

  const getUpdates: Handler = ({ bot, params: p, signal }) => {
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

  // --- commands ---------------------------------------------------------------------------------------------

  /** The scope as Telegram keeps it: type plus numeric chat_id/user_id, for chats the bot can see. */
  const scopeParam = (bot: BotState, p: Params): Json => {
    const v = json(p, "scope", "bot command scope");
    if (v === undefined || v === null) return { type: "default" };
    if (typeof v !== "object" || Array.isArray(v) || !SCOPE_TYPES.has(String((v as Json).type))) {
      throw badRequest("unsupported bot command scope type");
    }
    const given = v as Json;
    const scope: Json = { type: given.type };
    if (["chat", "chat_administrators", "chat_member"].includes(String(given.type))) {
      if (given.chat_id === undefined || given.chat_id === null) throw badRequest("chat_id is empty");
      const chat = visibleChat(bot, chatIdParam(given));
      scope.chat_id = chat.id;
    }
    if (given.type === "chat_member") {
      if (given.user_id === undefined || given.user_id === null) throw badRequest("user_id is empty");
      const userId = int(given, "user_id");
      if (userId === undefined || !world.user(userId)) throw badRequest("user not found");
      scope.user_id = userId;
    }
    return scope;
  };

  const commandsKey = (scope: Json, lang: string): string => {
    const sorted = Object.fromEntries(Object.entries(scope).sort(([a], [b]) => a.localeCompare(b)));
    return `${JSON.stringify(sorted)}|${lang}`;
  };

  const languageParam = (p: Params): string => {
    const lang = str(p, "language_code") ?? "";
    if (lang !== "" && !/^[a-z]{2}$/.test(lang)) throw badRequest("invalid language code specified");
    return lang;
  };

  // --- the methods -------------------------------------------------------------------------------------------

  const handlers: Record<string, Handler> = {
    getMe: ({ bot }) => ({
      ...bot.user,
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    }),
    logOut: () => true,
    close: () => true,
    getUpdates,
    setWebhook: ({ bot, params: p }) => {
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
    },
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
    setMyCommands: ({ bot, params: p }) => {
      const list = json(p, "commands", "commands");
      if (!Array.isArray(list)) throw badRequest("can't parse commands JSON object");
      if (list.length > 100) throw badRequest("too many commands specified");
      const commands = list.map((c: unknown) => {
        const cmd = c as { command?: unknown; description?: unknown } | null;
        if (typeof cmd?.command !== "string" || !/^[a-z0-9_]{1,32}$/.test(cmd.command)) {
          throw badRequest("BOT_COMMAND_INVALID");
        }
        if (
          typeof cmd.description !== "string" ||
          cmd.description.trim() === "" ||
          cmd.description.length > 256
        ) {
          throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
        }
        return { command: cmd.command, description: cmd.description };
      });
      const scope = scopeParam(bot, p);
      const lang = languageParam(p);
      const key = commandsKey(scope, lang);
      if (commands.length === 0) bot.commands.delete(key);
      else bot.commands.set(key, { scope, ...(lang !== "" && { language_code: lang }), commands });
      return true;
    },
    getMyCommands: ({ bot, params: p }) => {
      const stored = bot.commands.get(commandsKey(scopeParam(bot, p), languageParam(p)));
      return structuredClone(stored?.commands ?? []);
    },
    deleteMyCommands: ({ bot, params: p }) => {
      bot.commands.delete(commandsKey(scopeParam(bot, p), languageParam(p)));
      return true;
    },
    sendMessage: (ctx) => {
      const { bot, params: p } = ctx;
      const { text, entities } = formattedText(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const chat = writableChat(bot, chatIdParam(p));
      const paid = bool(p, "allow_paid_broadcast");
      const common = commonFields(p, chat, paid);
      admit(ctx, chat, "message", paid);
      const rec = store(bot, chat, "sendMessage", {
        text,
        ...(entities.length > 0 && { entities }),
        ...(markup && { reply_markup: markup }),
        ...common,
      });
      return world.apiMessage(chat, rec);
    },
    sendPhoto: sendMedia("photo", "sendPhoto"),
    sendDocument: sendMedia("document", "sendDocument"),
    copyMessage: (ctx) => {
      const { bot, params: p } = ctx;
      const target = chatIdParam(p);
      const { rec: source } = sourceMessage(bot, p, "message to copy not found");
      const caption = formattedCaption(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const chat = writableChat(bot, target);
      const paid = bool(p, "allow_paid_broadcast");
      const common = commonFields(p, chat, paid);
      admit(ctx, chat, "message", paid);
      const content = contentOf(source);
      if (captionable(content) && caption !== undefined) {
        delete content.caption;
        delete content.caption_entities;
        if (caption.text) content.caption = caption.text;
        if (caption.entities.length) content.caption_entities = caption.entities;
      }
      const rec = store(bot, chat, "copyMessage", {
        ...content,
        ...(markup && { reply_markup: markup }),
        ...common,
      });
      return { message_id: rec.message_id };
    },
    forwardMessage: (ctx) => {
      const { bot, params: p } = ctx;
      const target = chatIdParam(p);
      const { chat: from, rec: source } = sourceMessage(bot, p, "message to forward not found");
      const chat = writableChat(bot, target);
      const paid = bool(p, "allow_paid_broadcast");
      admit(ctx, chat, "message", paid);
      const origin = world.apiMessage(from, source, true);
      const rec = store(bot, chat, "forwardMessage", {
        ...contentOf(source),
        forward_origin: { type: "user", sender_user: origin.from, date: source.date },
        ...(bool(p, "disable_notification") && { disable_notification: true }),
        ...(paid && { paid: true }),
      });
      return world.apiMessage(chat, rec);
    },
    editMessageText: (ctx) => {
      const { bot, params: p } = ctx;
      const { text, entities } = formattedText(p);
      const markup = parseReplyMarkup(p.reply_markup);
      const { chat, rec } = editableMessage(bot, p);
      if (rec.text === undefined) throw badRequest("there is no text in the message to edit");
      if (text === rec.text && sameJson(entities, rec.entities ?? []) && sameJson(markup, rec.reply_markup)) {
        throw notModified();
      }
      admit(ctx, chat, "edit");
      world.recordEdit(chat, rec, {
        text,
        entities: entities.length > 0 ? entities : undefined,
        reply_markup: markup,
      });
      return world.apiMessage(chat, rec);
    },
    editMessageCaption: (ctx) => {
      const { bot, params: p } = ctx;
      const caption = formattedCaption(p) ?? { text: "", entities: [] };
      const markup = parseReplyMarkup(p.reply_markup);
      const { chat, rec } = editableMessage(bot, p);
      if (!captionable(rec)) {
        throw badRequest("there is no caption in the message to edit");
      }
      if (
        caption.text === (rec.caption ?? "") &&
        sameJson(caption.entities, rec.caption_entities ?? []) &&
        sameJson(markup, rec.reply_markup)
      ) {
        throw notModified();
      }
      admit(ctx, chat, "edit");
      world.recordEdit(chat, rec, {
        caption: caption.text === "" ? undefined : caption.text,
        caption_entities: caption.entities.length > 0 ? caption.entities : undefined,
        reply_markup: markup,
      });
      return world.apiMessage(chat, rec);
    },
    editMessageReplyMarkup: (ctx) => {
      const { bot, params: p } = ctx;
      const markup = parseReplyMarkup(p.reply_markup);
      const { chat, rec } = editableMessage(bot, p);
      if (sameJson(markup, rec.reply_markup)) throw notModified();
      admit(ctx, chat, "edit");
      world.recordEdit(chat, rec, { reply_markup: markup });
      return world.apiMessage(chat, rec);
    },
    deleteMessage: ({ bot, params: p }) => {
      const chat = visibleChat(bot, chatIdParam(p));
      const rec = chat.records[messageIdParam(p) - 1];
      if (!rec || rec.deleted) throw badRequest("message to delete not found");
      const own = rec.from === "bot" && rec.from_id === bot.id;
      // Bots delete anything in private chats but need admin rights for others' messages in groups.
      if (!own && chat.type !== "private" && world.memberStatus(chat, bot.id) !== "administrator") {
        throw badRequest("message can't be deleted for everyone");
      }
      world.recordDelete(chat, rec);
      return true;
    },
    answerCallbackQuery: ({ bot, params: p }) => {
      const id = str(p, "callback_query_id") ?? "";
      const pending = world.pendingCallbacks.get(id);
      if (!pending || pending.botId !== bot.id || pending.answered) {
        throw badRequest("query is too old and response timeout expired or query ID is invalid");
      }
      const text = str(p, "text");
      if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
      pending.answered = true;
      const url = str(p, "url");
      const cacheTime = int(p, "cache_time");
      world.callbackAnswers.push({
        callback_query_id: id,
        ...(text !== undefined && { text }),
        ...(p.show_alert !== undefined && { show_alert: bool(p, "show_alert") }),
        ...(url !== undefined && { url }),
        ...(cacheTime !== undefined && { cache_time: cacheTime }),
      });
      return true;
    },
    getFile: ({ params: p }) => {
      const file = world.files.get(str(p, "file_id") ?? "");
      if (!file) throw badRequest("invalid file_id");
      return {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_size: file.file_size,
        ...(file.data && { file_path: file.file_path }),
      };
    },
    getChat: ({ bot, params: p }) => {
      const chat = visibleChat(bot, chatIdParam(p));
      return { ...world.chatObject(chat), accent_color_id: 0, max_reaction_count: 11 };
    },
    getChatMember: ({ bot, params: p }) => {
      const chat = visibleChat(bot, chatIdParam(p));
      const userId = int(p, "user_id");
      if (userId === undefined) throw badRequest("user_id is empty");
      const member = world.chatMember(chat, userId);
      if (!member) throw badRequest("user not found");
      return member;
    },
    getChatAdministrators: ({ bot, params: p }) => {
      const chat = visibleChat(bot, chatIdParam(p));
      if (chat.type === "private") throw badRequest("there are no administrators in the private chat");
      const ids = [...(chat.creatorId === undefined ? [] : [chat.creatorId]), ...chat.adminIds];
      return ids.flatMap((id) => {
        const member = world.chatMember(chat, id);
        return member && member.status !== "left" ? [member] : [];
      });
    },
    sendChatAction: ({ bot, params: p }) => {
      const action = str(p, "action");
      if (action === undefined || action === "") throw badRequest("action is empty");
      if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
      writableChat(bot, chatIdParam(p));
      return true;
    },
  };

  const byLowerName = new Map(
    Object.entries(handlers).map(([name, handler]) => [name.toLowerCase(), { name, handler }]),
  );
  return { resolve: (method) => byLowerName.get(method.toLowerCase()) };
}
