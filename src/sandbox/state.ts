import type { EventEmitter } from "node:events";
import { ApiError, SandboxError } from "./errors.js";
import { imageDimensions, photoSizes, placeholderPng } from "./files.js";
import type { FloodModel } from "./flood.js";
import { validateEntities } from "./formatted-text.js";
import { callbackDataOf } from "./reply-markup.js";
import type {
  CallbackAnswer,
  ChatRecord,
  MessageEntity,
  PhotoSize,
  Sandbox,
  SandboxBot,
  SandboxClock,
  SandboxStats,
  SandboxUser,
  StoredCommands,
} from "./types.js";

export type Json = Record<string, unknown>;

export const FIRST_USER_ID = 100_000_001;
/** Telegram's ceiling for a photo's width or height. */
const MAX_PHOTO_SIDE = 10_000;
const DEFAULT_PHOTO = { width: 1280, height: 720 };
const DEFAULT_STICKER_EMOJI = "👍";
export const FIRST_GROUP_ID = -1_001_000_000_001;
const FIRST_UPDATE_ID = 500_000_001;

/** Telegram's default for getUpdates without allowed_updates (or with an empty list). */
const NOT_DELIVERED_BY_DEFAULT = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

export interface BotUser {
  id: number;
  is_bot: true;
  first_name: string;
  username: string;
}

export interface PendingPoll {
  offset: number;
  limit: number;
  finish(result: Json[] | ApiError): void;
}

export interface WebhookState {
  url: string;
  secret_token?: string;
  max_connections: number;
  allowed_updates?: string[];
  ip_address?: string;
}

export interface BotState {
  config: SandboxBot;
  id: number;
  user: BotUser;
  updates: Json[];
  nextUpdateId: number;
  /** null = Telegram's default set. */
  allowedUpdates: string[] | null;
  webhook: WebhookState | null;
  poll: PendingPoll | null;
  commands: Map<string, StoredCommands>;
}

export interface ChatState {
  id: number;
  type: "private" | "group" | "supergroup";
  title?: string;
  user?: SandboxUser;
  records: ChatRecord[];
  memberIds: Set<number>;
  botIds: Set<number>;
  /** Administrators of a group: user ids and bot ids. */
  adminIds: Set<number>;
  creatorId?: number;
  instance: string;
}

export type MemberStatus = "creator" | "administrator" | "member" | "left";

/** What an administrator may do; the sandbox grants every administrator the same usual set. */
const ADMIN_RIGHTS = {
  can_be_edited: false,
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_pin_messages: true,
  can_manage_topics: false,
};

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  file_size: number;
  data: Buffer | null;
  file_name?: string;
  mime_type?: string;
  /** For photos: the sizes that share these bytes. */
  photo?: PhotoSize[];
}

export type FileFolder = "photos" | "documents" | "stickers" | "videos";

const FILE_ID_TAGS: Record<FileFolder, string> = {
  photos: "AgACAgIAAxkBAAI",
  documents: "BQACAgIAAxkBAAI",
  stickers: "CAACAgIAAxkBAAI",
  videos: "BAACAgIAAxkBAAI",
};

const DEFAULT_EXTENSIONS: Record<FileFolder, string> = {
  photos: "jpg",
  documents: "dat",
  stickers: "webp",
  videos: "mp4",
};

export type Relation = "none" | "member" | "kicked";

export function emptyStats(): SandboxStats {
  return {
    requests: 0,
    byMethod: {},
    http429: 0,
    http429ByScope: { bulk: 0, paid: 0, chat: 0, group: 0 },
    errors: {},
    messagesSent: 0,
    paidMessages: 0,
    messagesPerChat: {},
    dropped: 0,
    violations: { bulk: 0, perChat: 0, group: 0, penalty: 0 },
    outageCalls: 0,
  };
}

export function botIdOf(token: string): number {
  const m = /^(\d{1,15}):[A-Za-z0-9_-]{1,100}$/.exec(token);
  if (!m?.[1])
    throw new SandboxError(400, `invalid bot token ${JSON.stringify(token)}: expected "<digits>:<secret>"`);
  return Number(m[1]);
}

/** Detached copies, so callers can neither mutate the sandbox nor see later edits by surprise. */
export function snapshot(rec: ChatRecord): ChatRecord {
  return structuredClone(rec);
}

/** The world the Bot API and the simulated users share: bots, users, chats, messages, files and update queues. */
export interface World {
  readonly bots: BotState[];
  readonly stats: SandboxStats;
  readonly files: Map<string, StoredFile>;
  readonly filesByPath: Map<string, StoredFile>;
  readonly callbackAnswers: CallbackAnswer[];
  readonly pendingCallbacks: Map<string, { botId: number; answered: boolean }>;
  readonly clock: SandboxClock;
  readonly flood: FloodModel;
  readonly events: EventEmitter;
  resetStats(): void;
  bot(token?: string): BotState;
  botByToken(token: string): BotState | undefined;
  botById(id: number): BotState | undefined;
  createUser: Sandbox["createUser"];
  createGroup: Sandbox["createGroup"];
  user(id: number): SandboxUser | undefined;
  group(id: number): ChatState | undefined;
  relation(bot: BotState, userId: number): Relation;
  privateChat(bot: BotState, user: SandboxUser): ChatState;
  /** The chat a test helper means: a user's private chat with `bot`, or a group. */
  viewChat(chatId: number, bot: BotState): ChatState;
  storeMessage(
    chat: ChatState,
    rec: Omit<ChatRecord, "message_id" | "chat_id" | "date" | "at" | "edits" | "deleted">,
  ): ChatRecord;
  recordEdit(
    chat: ChatState,
    rec: ChatRecord,
    change: Partial<Pick<ChatRecord, "text" | "caption" | "entities" | "caption_entities" | "reply_markup">>,
  ): void;
  recordDelete(chat: ChatState, rec: ChatRecord): void;
  chatObject(chat: ChatState): Json;
  memberStatus(chat: ChatState, id: number): MemberStatus;
  /** A ChatMember object for a user or bot id known to the sandbox; undefined for unknown ids. */
  chatMember(chat: ChatState, id: number): Json | undefined;
  apiMessage(chat: ChatState, rec: ChatRecord, nested?: boolean): Json;
  enqueue(bot: BotState, type: string, payload: Json): void;
  pendingUpdates(bot: BotState, offset: number): Json[];
  confirmUpdates(bot: BotState, offset: number): void;
  storeFile(
    data: Buffer | null,
    folder: FileFolder,
    opts?: { fileName?: string; mimeType?: string; ext?: string },
  ): StoredFile;
  /** Stores every size of a photo; `dims` overrides what the image header says. */
  storePhoto(data: Buffer | null, dims?: { width: number; height: number }): PhotoSize[];
  userSends: Sandbox["userSends"];
  userStarts: Sandbox["userStarts"];
  userSendsDocument: Sandbox["userSendsDocument"];
  userSendsPhoto: Sandbox["userSendsPhoto"];
  userSendsSticker: Sandbox["userSendsSticker"];
  userSendsVideo: Sandbox["userSendsVideo"];
  userPresses: Sandbox["userPresses"];
  blockBot: Sandbox["blockBot"];
  unblockBot: Sandbox["unblockBot"];
  /** Answers every pending long poll with no updates. */
  releasePolls(): void;
}

export function createWorld(opts: {
  bots: SandboxBot[];
  clock: SandboxClock;
  flood: FloodModel;
  events: EventEmitter;
  guessMime: (fileName: string, declared?: string) => string | undefined;
}): World {
  const { clock, flood, events } = opts;
  if (opts.bots.length === 0) throw new SandboxError(400, "a sandbox needs at least one bot");
  const bots: BotState[] = opts.bots.map((config) => {
    const id = botIdOf(config.token);
    return {
      config: { ...config },
      id,
      user: { id, is_bot: true, first_name: config.first_name, username: config.username },
      updates: [],
      nextUpdateId: FIRST_UPDATE_ID,
      allowedUpdates: null,
      webhook: null,
      poll: null,
      commands: new Map(),
    };
  });
  const seenIds = new Set<number>();
  for (const b of bots) {
    if (seenIds.has(b.id)) throw new SandboxError(400, `two sandbox bots share the id ${b.id}`);
    seenIds.add(b.id);
  }

  const users = new Map<number, SandboxUser>();
  const groups = new Map<number, ChatState>();
  const privateChats = new Map<string, ChatState>();
  const relations = new Map<string, Relation>();
  const files = new Map<string, StoredFile>();
  const filesByPath = new Map<string, StoredFile>();
  const callbackAnswers: CallbackAnswer[] = [];
  const pendingCallbacks = new Map<string, { botId: number; answered: boolean }>();
  let stats = emptyStats();
  let nextUserId = FIRST_USER_ID;
  let nextGroupId = FIRST_GROUP_ID;
  let fileCounter = 0;
  let callbackCounter = 0;
  let chatInstanceCounter = 0;

  const now = (): number => clock.now();
  const unixNow = (): number => Math.floor(now() / 1000);

  const bot = (token?: string): BotState => {
    if (token === undefined) return bots[0] as BotState;
    const found = bots.find((b) => b.config.token === token);
    if (!found) throw new SandboxError(404, "unknown bot token");
    return found;
  };

  const requireUser = (id: number): SandboxUser => {
    const u = users.get(id);
    if (!u) throw new SandboxError(404, `unknown user ${id}`);
    return u;
  };

  const relationKey = (b: BotState, userId: number): string => `${b.id}:${userId}`;
  const relation = (b: BotState, userId: number): Relation => relations.get(relationKey(b, userId)) ?? "none";

  const newChatInstance = (): string => {
    chatInstanceCounter++;
    return String(-(7_300_000_000_000_000_000n + BigInt(chatInstanceCounter)));
  };

  const privateChat = (b: BotState, user: SandboxUser): ChatState => {
    const key = relationKey(b, user.id);
    let chat = privateChats.get(key);
    if (!chat) {
      chat = {
        id: user.id,
        type: "private",
        user,
        records: [],
        memberIds: new Set([user.id]),
        botIds: new Set([b.id]),
        adminIds: new Set(),
        instance: newChatInstance(),
      };
      privateChats.set(key, chat);
    }
    return chat;
  };

  const chatObject = (chat: ChatState): Json => {
    if (chat.type === "private" && chat.user) {
      const u = chat.user;
      return {
        id: u.id,
        first_name: u.first_name,
        ...(u.last_name !== undefined && { last_name: u.last_name }),
        ...(u.username !== undefined && { username: u.username }),
        type: "private",
      };
    }
    return { id: chat.id, title: chat.title, type: chat.type };
  };

  const userObject = (u: SandboxUser): Json => ({ ...u });

  const memberStatus = (chat: ChatState, id: number): MemberStatus => {
    if (chat.creatorId === id) return "creator";
    const isBot = bots.some((b) => b.id === id);
    if (!(isBot ? chat.botIds : chat.memberIds).has(id)) return "left";
    return chat.adminIds.has(id) ? "administrator" : "member";
  };

  const chatMember = (chat: ChatState, id: number): Json | undefined => {
    const b = bots.find((x) => x.id === id);
    const u = b ? undefined : users.get(id);
    if (!b && !u) return undefined;
    const user = b ? { ...b.user } : userObject(u as SandboxUser);
    const status = memberStatus(chat, id);
    if (status === "creator") return { user, status, is_anonymous: false };
    if (status === "administrator") return { user, status, ...ADMIN_RIGHTS };
    return { user, status };
  };

  const senderObject = (rec: ChatRecord): Json => {
    if (rec.from === "bot") {
      const b = bots.find((x) => x.id === rec.from_id);
      return b ? { ...b.user } : { id: rec.from_id, is_bot: true, first_name: "Bot" };
    }
    const u = users.get(rec.from_id);
    return u ? userObject(u) : { id: rec.from_id, is_bot: false, first_name: "User" };
  };

  const apiMessage = (chat: ChatState, rec: ChatRecord, nested = false): Json => {
    const m: Json = {
      message_id: rec.message_id,
      from: senderObject(rec),
      chat: chatObject(chat),
      date: rec.date,
    };
    const lastEdit = rec.edits.at(-1);
    if (lastEdit) m.edit_date = Math.floor(lastEdit.at / 1000);
    if (rec.forward_origin !== undefined) m.forward_origin = rec.forward_origin;
    if (!nested && rec.reply_to_message_id !== undefined) {
      const target = chat.records[rec.reply_to_message_id - 1];
      if (target && !target.deleted) m.reply_to_message = apiMessage(chat, target, true);
    }
    if (rec.text !== undefined) {
      m.text = rec.text;
      if (rec.entities?.length) m.entities = rec.entities;
    }
    if (rec.photo !== undefined) m.photo = rec.photo;
    if (rec.document !== undefined) m.document = rec.document;
    if (rec.sticker !== undefined) m.sticker = rec.sticker;
    if (rec.video !== undefined) m.video = rec.video;
    if (rec.caption !== undefined) {
      m.caption = rec.caption;
      if (rec.caption_entities?.length) m.caption_entities = rec.caption_entities;
    }
    // Telegram only echoes inline keyboards back in Message.reply_markup.
    const markup = rec.reply_markup as { inline_keyboard?: unknown } | undefined;
    if (markup?.inline_keyboard !== undefined) m.reply_markup = markup;
    return m;
  };

  const isAllowed = (b: BotState, type: string): boolean => {
    const list = b.allowedUpdates;
    if (list === null || list.length === 0) return !NOT_DELIVERED_BY_DEFAULT.has(type);
    return list.includes(type);
  };

  const pendingUpdates = (b: BotState, offset: number): Json[] =>
    b.updates.filter((u) => (u.update_id as number) >= offset);

  const enqueue = (b: BotState, type: string, payload: Json): void => {
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

  const confirmUpdates = (b: BotState, offset: number): void => {
    if (offset < 0) {
      b.updates = b.updates.slice(Math.max(0, b.updates.length + offset));
    } else if (offset > 0) {
      b.updates = b.updates.filter((u) => (u.update_id as number) >= offset);
    }
  };

  const storeMessage: World["storeMessage"] = (chat, fields) => {
    const rec: ChatRecord = {
      message_id: chat.records.length + 1,
      chat_id: chat.id,
      date: unixNow(),
      at: now(),
      ...fields,
      edits: [],
      deleted: false,
    };
    chat.records.push(rec);
    if (rec.from === "bot") {
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

  const storeFile: World["storeFile"] = (data, folder, o = {}) => {
    fileCounter++;
    const file_id = `${FILE_ID_TAGS[folder]}${Buffer.from(`sandbox-${folder}-${fileCounter}`).toString("base64url")}`;
    const file_unique_id = `AgAD${Buffer.from(`u${fileCounter}`).toString("base64url")}`;
    const ext = o.ext ?? DEFAULT_EXTENSIONS[folder];
    const file: StoredFile = {
      file_id,
      file_unique_id,
      file_path: `${folder}/file_${fileCounter}.${ext}`,
      file_size: data?.length ?? 0,
      data,
      ...(o.fileName !== undefined && { file_name: o.fileName }),
      ...(o.mimeType !== undefined && { mime_type: o.mimeType }),
    };
    files.set(file_id, file);
    filesByPath.set(file.file_path, file);
    return file;
  };

  const storePhoto: World["storePhoto"] = (data, dims) => {
    const { width, height } = dims ?? imageDimensions(data);
    const sizes: PhotoSize[] = [];
    const files: StoredFile[] = [];
    for (const size of photoSizes(width, height)) {
      const f = storeFile(data, "photos");
      files.push(f);
      sizes.push({ file_id: f.file_id, file_unique_id: f.file_unique_id, file_size: f.file_size, ...size });
    }
    for (const f of files) f.photo = sizes;
    return sizes;
  };

  const viewChat = (chatId: number, b: BotState): ChatState => {
    if (chatId < 0) {
      const g = groups.get(chatId);
      if (!g) throw new SandboxError(404, `unknown chat ${chatId}`);
      return g;
    }
    return privateChat(b, requireUser(chatId));
  };

  /** Where a user action lands: the private chat with the bot, or a group both are in. */
  const userChat = (b: BotState, user: SandboxUser, chatId?: number): ChatState => {
    if (chatId === undefined || chatId === user.id) return privateChat(b, user);
    const g = groups.get(chatId);
    if (!g) throw new SandboxError(404, `unknown chat ${chatId}`);
    if (!g.memberIds.has(user.id))
      throw new SandboxError(400, `user ${user.id} is not a member of chat ${chatId}`);
    if (!g.botIds.has(b.id)) throw new SandboxError(400, `bot ${b.id} is not a member of chat ${chatId}`);
    return g;
  };

  const setRelation = (b: BotState, user: SandboxUser, next: Relation): void => {
    const prev = relation(b, user.id);
    if (prev === next) return;
    relations.set(relationKey(b, user.id), next);
    if (prev === "none" && next === "member") return; // Starting a bot sends no my_chat_member.
    const chat = privateChat(b, user);
    const status = (s: Relation): Json =>
      s === "kicked"
        ? { user: { ...b.user }, status: "kicked", until_date: 0 }
        : { user: { ...b.user }, status: s === "member" ? "member" : "left" };
    enqueue(b, "my_chat_member", {
      chat: chatObject(chat),
      from: userObject(user),
      date: unixNow(),
      old_chat_member: status(prev),
      new_chat_member: status(next),
    });
  };

  /** A user writing to a bot they blocked unblocks it first, as Telegram's "Restart" button does. */
  const userTouchesPrivateChat = (b: BotState, user: SandboxUser): void => {
    if (relation(b, user.id) !== "member") setRelation(b, user, "member");
  };

  const storeUserMessage = (
    b: BotState,
    user: SandboxUser,
    chat: ChatState,
    fields: Partial<ChatRecord>,
  ): ChatRecord => {
    if (chat.type === "private") userTouchesPrivateChat(b, user);
    const rec = storeMessage(chat, { from: "user", from_id: user.id, ...fields });
    if (chat.type === "private") flood.noteUserUpdate(b.id, chat.id);
    enqueue(b, "message", apiMessage(chat, rec));
    return snapshot(rec);
  };

  const commandEntities = (text: string): MessageEntity[] | undefined => {
    const m = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?/.exec(text);
    return m ? [{ type: "bot_command", offset: 0, length: m[0].length }] : undefined;
  };

  /** Validates formatting a test gives for a user's text or caption, in Telegram's UTF-16 offsets. */
  const userEntities = (what: string, text: string, list: unknown): MessageEntity[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw new SandboxError(400, `${what} must be an array of MessageEntity`);
    try {
      return validateEntities(text, list);
    } catch (err) {
      if (err instanceof ApiError)
        throw new SandboxError(400, `${what}: ${err.description.replace(/^Bad Request: /, "")}`);
      throw err;
    }
  };

  const byOffset = (a: MessageEntity, b: MessageEntity): number => a.offset - b.offset || b.length - a.length;

  const contentBytes = (what: string, content: Buffer | string): Buffer => {
    if (typeof content !== "string" && !Buffer.isBuffer(content))
      throw new SandboxError(400, `${what} content must be a Buffer or a string`);
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
    if (data.length === 0) throw new SandboxError(400, `${what} content must not be empty`);
    return data;
  };

  const dimension = (name: string, v: number | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || v < 1 || v > MAX_PHOTO_SIDE)
      throw new SandboxError(400, `${name} must be an integer from 1 to ${MAX_PHOTO_SIDE}`);
    return v;
  };

  /** A caption and its entities as the user's client would send them (an empty caption is none). */
  const userCaption = (caption: unknown, entities: unknown): Partial<ChatRecord> => {
    if (caption !== undefined && typeof caption !== "string")
      throw new SandboxError(400, "caption must be a string");
    if (caption === undefined || caption === "") {
      if (Array.isArray(entities) && entities.length > 0)
        throw new SandboxError(400, "caption_entities need a caption");
      return {};
    }
    const list = userEntities("caption_entities", caption, entities);
    return { caption, ...(list.length > 0 && { caption_entities: list.sort(byOffset) }) };
  };

  const userSends: World["userSends"] = (userId, text, o = {}) => {
    const b = bot(o.botToken);
    const user = requireUser(userId);
    if (typeof text !== "string" || text.trim() === "")
      throw new SandboxError(400, "text must be a non-empty string");
    const given = userEntities("entities", text, o.entities);
    const command = given.some((e) => e.type === "bot_command" && e.offset === 0)
      ? undefined
      : commandEntities(text);
    const entities = [...(command ?? []), ...given].sort(byOffset);
    const chat = userChat(b, user, o.chatId);
    return storeUserMessage(b, user, chat, { text, ...(entities.length > 0 && { entities }) });
  };

  const userSendsPhoto: World["userSendsPhoto"] = (userId, photo, o = {}) => {
    const b = bot(o.botToken);
    const user = requireUser(userId);
    if (typeof photo !== "object" || photo === null) throw new SandboxError(400, "photo must be an object");
    const width = dimension("width", photo.width);
    const height = dimension("height", photo.height);
    const caption = userCaption(photo.caption, photo.caption_entities);
    const chat = userChat(b, user, o.chatId);
    let sizes: PhotoSize[];
    if (photo.content === undefined) {
      const dims = { width: width ?? DEFAULT_PHOTO.width, height: height ?? DEFAULT_PHOTO.height };
      // Telegram keeps photos at most 1280 px on the long side; the bytes are that largest size.
      const largest = photoSizes(dims.width, dims.height).at(-1) ?? dims;
      sizes = storePhoto(placeholderPng(largest.width, largest.height), dims);
    } else {
      const data = contentBytes("photo", photo.content);
      const sniffed = imageDimensions(data);
      sizes = storePhoto(data, { width: width ?? sniffed.width, height: height ?? sniffed.height });
    }
    return storeUserMessage(b, user, chat, { photo: sizes, ...caption });
  };

  const userSendsSticker: World["userSendsSticker"] = (userId, o = {}) => {
    const b = bot(o.botToken);
    const user = requireUser(userId);
    for (const k of ["emoji", "set_name"] as const) {
      if (o[k] !== undefined && (typeof o[k] !== "string" || o[k] === ""))
        throw new SandboxError(400, `${k} must be a non-empty string`);
    }
    const chat = userChat(b, user, o.chatId);
    const data =
      o.content === undefined
        ? Buffer.from("sandbox sticker placeholder")
        : contentBytes("sticker", o.content);
    const file = storeFile(data, "stickers", { mimeType: "image/webp" });
    return storeUserMessage(b, user, chat, {
      sticker: {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        type: "regular",
        width: 512,
        height: 512,
        is_animated: false,
        is_video: false,
        emoji: o.emoji ?? DEFAULT_STICKER_EMOJI,
        ...(o.set_name !== undefined && { set_name: o.set_name }),
        file_size: file.file_size,
      },
    });
  };

  const userSendsVideo: World["userSendsVideo"] = (userId, video = {}, o = {}) => {
    const b = bot(o.botToken);
    const user = requireUser(userId);
    if (typeof video !== "object" || video === null) throw new SandboxError(400, "video must be an object");
    const width = dimension("width", video.width) ?? DEFAULT_PHOTO.width;
    const height = dimension("height", video.height) ?? DEFAULT_PHOTO.height;
    const duration = video.duration ?? 10;
    if (!Number.isInteger(duration) || duration < 0)
      throw new SandboxError(400, "duration must be an integer number of seconds >= 0");
    if (video.fileName !== undefined && (typeof video.fileName !== "string" || video.fileName === ""))
      throw new SandboxError(400, "fileName must be a non-empty string");
    const caption = userCaption(video.caption, video.caption_entities);
    const chat = userChat(b, user, o.chatId);
    const data =
      video.content === undefined
        ? Buffer.from("sandbox video placeholder")
        : contentBytes("video", video.content);
    const mimeType = video.mimeType ?? "video/mp4";
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(video.fileName ?? "")?.[1]?.toLowerCase();
    const file = storeFile(data, "videos", {
      ...(video.fileName !== undefined && { fileName: video.fileName }),
      mimeType,
      ...(ext && { ext }),
    });
    return storeUserMessage(b, user, chat, {
      video: {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        width,
        height,
        duration,
        ...(video.fileName !== undefined && { file_name: video.fileName }),
        mime_type: mimeType,
        file_size: file.file_size,
      },
      ...caption,
    });
  };

  const userSendsDocument: World["userSendsDocument"] = (userId, doc, o = {}) => {
    const b = bot(o.botToken);
    const user = requireUser(userId);
    if (typeof doc?.fileName !== "string" || doc.fileName === "")
      throw new SandboxError(400, "fileName is required");
    const data =
      typeof doc.content === "string" ? Buffer.from(doc.content, "utf8") : Buffer.from(doc.content);
    if (data.length === 0) throw new SandboxError(400, "document content must not be empty");
    const chat = userChat(b, user, o.chatId);
    const mimeType = opts.guessMime(doc.fileName, doc.mimeType);
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(doc.fileName)?.[1]?.toLowerCase();
    const file = storeFile(data, "documents", {
      fileName: doc.fileName,
      ...(mimeType && { mimeType }),
      ...(ext && { ext }),
    });
    const document = {
      file_name: doc.fileName,
      ...(mimeType && { mime_type: mimeType }),
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_size: file.file_size,
    };
    return storeUserMessage(b, user, chat, {
      document,
      ...(doc.caption !== undefined && doc.caption !== "" && { caption: doc.caption }),
    });
  };

  const userPresses: World["userPresses"] = (userId, button, o = {}) => {
    const b = bot(o.botToken);
    const user = requireUser(userId);
    const chat = userChat(b, user, button.chatId);
    const rec = chat.records[button.messageId - 1];
    if (!rec || rec.deleted)
      throw new SandboxError(404, `message ${button.messageId} not found in chat ${chat.id}`);
    if (rec.from !== "bot")
      throw new SandboxError(400, `message ${button.messageId} in chat ${chat.id} is not a bot message`);
    const available = callbackDataOf(rec.reply_markup);
    if (!available.includes(button.data)) {
      throw new SandboxError(
        400,
        `message ${button.messageId} in chat ${chat.id} has no button with callback_data ${JSON.stringify(button.data)} (has ${JSON.stringify(available)})`,
      );
    }
    if (chat.type === "private") userTouchesPrivateChat(b, user);
    callbackCounter++;
    const id = String(BigInt(b.id) * 1_000_000_000n + BigInt(callbackCounter));
    pendingCallbacks.set(id, { botId: b.id, answered: false });
    if (chat.type === "private") flood.noteUserUpdate(b.id, chat.id);
    enqueue(b, "callback_query", {
      id,
      from: userObject(user),
      message: apiMessage(chat, rec),
      chat_instance: chat.instance,
      data: button.data,
    });
    return id;
  };

  const world: World = {
    bots,
    get stats() {
      return stats;
    },
    files,
    filesByPath,
    callbackAnswers,
    pendingCallbacks,
    clock,
    flood,
    events,
    resetStats() {
      stats = emptyStats();
    },
    bot,
    botByToken: (token) => bots.find((b) => b.config.token === token),
    botById: (id) => bots.find((b) => b.id === id),
    createUser(u, o = {}) {
      const startedIn = o.started ? bot(o.botToken) : undefined;
      if (typeof u?.first_name !== "string" || u.first_name.trim() === "") {
        throw new SandboxError(400, "first_name must be a non-empty string");
      }
      for (const k of ["last_name", "username", "language_code"] as const) {
        if (u[k] !== undefined && typeof u[k] !== "string")
          throw new SandboxError(400, `${k} must be a string`);
      }
      const user: SandboxUser = {
        id: nextUserId++,
        is_bot: false,
        first_name: u.first_name,
        ...(u.last_name !== undefined && { last_name: u.last_name }),
        ...(u.username !== undefined && { username: u.username }),
        ...(u.language_code !== undefined && { language_code: u.language_code }),
      };
      users.set(user.id, user);
      // Started before the test began: reachable, with no update queued and no reply window opened.
      if (startedIn) relations.set(relationKey(startedIn, user.id), "member");
      return { ...user };
    },
    createGroup(g) {
      if (typeof g?.title !== "string" || g.title.trim() === "")
        throw new SandboxError(400, "title must be a non-empty string");
      if (!Array.isArray(g.memberIds)) throw new SandboxError(400, "memberIds must be an array of user ids");
      const type = g.type ?? "supergroup";
      if (type !== "group" && type !== "supergroup")
        throw new SandboxError(400, 'type must be "group" or "supergroup"');
      if (g.adminIds !== undefined && !Array.isArray(g.adminIds))
        throw new SandboxError(400, "adminIds must be an array of user or bot ids");
      const memberIds = new Set<number>();
      const botIds = new Set<number>();
      const adminIds = new Set<number>();
      const addMember = (id: number): number => {
        const asBot = bots.find((b) => b.id === id);
        if (asBot) botIds.add(asBot.id);
        else memberIds.add(requireUser(id).id);
        return id;
      };
      for (const id of g.memberIds) addMember(id);
      for (const id of g.adminIds ?? []) adminIds.add(addMember(id));
      let creatorId: number | undefined;
      if (g.creatorId !== undefined) {
        if (bots.some((b) => b.id === g.creatorId)) throw new SandboxError(400, "a bot can't create a group");
        creatorId = addMember(g.creatorId);
      }
      for (const token of g.botTokens ?? bots.map((b) => b.config.token)) botIds.add(bot(token).id);
      const chat: ChatState = {
        id: nextGroupId--,
        type,
        title: g.title,
        records: [],
        memberIds,
        botIds,
        adminIds,
        ...(creatorId !== undefined && { creatorId }),
        instance: newChatInstance(),
      };
      groups.set(chat.id, chat);
      const adder = creatorId ?? [...memberIds][0];
      if (adder !== undefined) {
        for (const b of bots) {
          if (!botIds.has(b.id)) continue;
          enqueue(b, "my_chat_member", {
            chat: chatObject(chat),
            from: userObject(requireUser(adder)),
            date: unixNow(),
            old_chat_member: { user: { ...b.user }, status: "left" },
            new_chat_member: chatMember(chat, b.id),
          });
        }
      }
      return { id: chat.id, title: g.title, type };
    },
    user: (id) => users.get(id),
    group: (id) => groups.get(id),
    relation,
    privateChat,
    viewChat,
    storeMessage,
    recordEdit,
    recordDelete,
    chatObject,
    memberStatus,
    chatMember,
    apiMessage,
    enqueue,
    pendingUpdates,
    confirmUpdates,
    storeFile,
    storePhoto,
    userSends,
    userStarts(userId, payload, o = {}) {
      if (payload !== undefined && typeof payload !== "string")
        throw new SandboxError(400, "payload must be a string");
      const text = payload ? `/start ${payload}` : "/start";
      return userSends(userId, text, { ...(o.botToken !== undefined && { botToken: o.botToken }) });
    },
    userSendsDocument,
    userSendsPhoto,
    userSendsSticker,
    userSendsVideo,
    userPresses,
    blockBot(userId, o = {}) {
      const b = bot(o.botToken);
      setRelation(b, requireUser(userId), "kicked");
    },
    unblockBot(userId, o = {}) {
      const b = bot(o.botToken);
      const user = requireUser(userId);
      if (relation(b, userId) === "kicked") setRelation(b, user, "member");
    },
    releasePolls() {
      for (const b of bots) {
        const poll = b.poll;
        b.poll = null;
        poll?.finish([]);
      }
    },
  };
  return world;
}
