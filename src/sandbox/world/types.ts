import type { EventEmitter } from "node:events";
import type { ApiError } from "../errors.js";
import type { FloodModel } from "../flood.js";
import type {
  CallbackAnswer,
  ChatRecord,
  PhotoSize,
  Sandbox,
  SandboxBot,
  SandboxClock,
  SandboxStats,
  SandboxUser,
  StoredCommands,
} from "../types.js";

export type Json = Record<string, unknown>;

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

export type Relation = "none" | "member" | "kicked";

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
  userSendsContact: Sandbox["userSendsContact"];
  userPresses: Sandbox["userPresses"];
  blockBot: Sandbox["blockBot"];
  unblockBot: Sandbox["unblockBot"];
  /** Answers every pending long poll with no updates. */
  releasePolls(): void;
}
