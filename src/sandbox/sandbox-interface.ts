import type { EventEmitter } from "node:events";
import type {
  CallbackAnswer,
  ChatRecord,
  Contact,
  Faults,
  FloodLimits,
  FloodModelName,
  Latency,
  MessageEntity,
  OutageOptions,
  OutageState,
  SandboxBot,
  SandboxGroup,
  SandboxStats,
  SandboxUser,
  StoredCommands,
} from "./types.js";

/** What a test says about a new user; the sandbox assigns the id. */
export interface NewSandboxUser {
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface CreateUserOptions extends BotOption {
  /**
   * The user pressed Start in this bot (`botToken`, default the first bot) before the test began: the bot may
   * write to them at once. Unlike userStarts, no update is queued and no reply window opens.
   */
  started?: boolean;
}

export interface BotOption {
  /** Selects the bot; default the first configured bot. */
  botToken?: string;
}

/** Where a user action lands: their private chat with the bot (default) or a group both are in. */
export interface UserChatOptions extends BotOption {
  chatId?: number;
}

export interface UserSendsOptions extends UserChatOptions {
  /**
   * Formatting of the text, UTF-16 offsets as on Telegram. A leading `/command` still gets its bot_command
   * entity unless one is given at offset 0.
   */
  entities?: MessageEntity[];
}

export interface UserPhoto {
  /** The image bytes; without them the sandbox makes a plain PNG of the largest photo size. */
  content?: Buffer | string;
  caption?: string;
  caption_entities?: MessageEntity[];
  /** The original size; defaults to what the PNG/JPEG/GIF header says, else 1280×720 (512×512 for other bytes). */
  width?: number;
  height?: number;
}

export interface UserSticker extends UserChatOptions {
  /** Default "👍". */
  emoji?: string;
  set_name?: string;
  /** Default placeholder bytes (not a decodable image). */
  content?: Buffer | string;
}

export interface UserVideo {
  /** Default placeholder bytes (not a decodable video). */
  content?: Buffer | string;
  caption?: string;
  caption_entities?: MessageEntity[];
  /** Default 1280×720, 10 s. */
  width?: number;
  height?: number;
  duration?: number;
  fileName?: string;
  /** Default "video/mp4". */
  mimeType?: string;
}

export interface CommandsForOptions extends BotOption {
  /** Whose client is asking; default the chat's user in a private chat. Decides the admin scopes in groups. */
  userId?: number;
  /** The client's language; default the user's language_code. */
  languageCode?: string;
}

export interface SandboxRequestEvent {
  method: string;
  /** HTTP status sent, or 0 when the connection was dropped. */
  status: number;
}

export interface Sandbox {
  /** http://host:port — what grammY's client.apiRoot points at; throws before listen. */
  readonly url: string;
  listen(opts?: { host?: string; port?: number }): Promise<string>;
  /** Answers pending long polls with no updates and closes every socket. */
  close(): Promise<void>;
  readonly bots: SandboxBot[];
  createUser(u: NewSandboxUser, opts?: CreateUserOptions): SandboxUser;
  /** Many users in one call (benchmarks: 100,000 take well under a second). */
  createUsers(users: readonly NewSandboxUser[], opts?: CreateUserOptions): SandboxUser[];
  createGroup(g: {
    title: string;
    memberIds: number[];
    type?: "group" | "supergroup";
    /** Bots that are members; default every configured bot. A bot id in memberIds also makes it a member. */
    botTokens?: string[];
    /**
     * Administrators: user ids and/or bot ids (a bot id here makes that bot an administrator). They become
     * members if they are not already.
     */
    adminIds?: number[];
    /** The user who owns the group (status "creator"); becomes a member if not already. */
    creatorId?: number;
  }): SandboxGroup;
  /** A user's text message; `opts.entities` formats it. */
  userSends(userId: number, text: string, opts?: UserSendsOptions): ChatRecord;
  userStarts(userId: number, payload?: string, opts?: BotOption): ChatRecord;
  userSendsDocument(
    userId: number,
    doc: { fileName: string; mimeType?: string; content: Buffer | string; caption?: string },
    opts?: { chatId?: number; botToken?: string },
  ): ChatRecord;
  /** A user's photo: `message.photo` holds every size, each downloadable and re-sendable by file_id. */
  userSendsPhoto(userId: number, photo: UserPhoto, opts?: UserChatOptions): ChatRecord;
  /** A user's sticker (regular, 512×512), e.g. for copyMessage. */
  userSendsSticker(userId: number, opts?: UserSticker): ChatRecord;
  /** A user's video, optionally captioned. */
  userSendsVideo(userId: number, video?: UserVideo, opts?: UserChatOptions): ChatRecord;
  /** A contact a user shares (their own, with `user_id`, or anyone's from their address book). */
  userSendsContact(userId: number, contact: Contact, opts?: UserChatOptions): ChatRecord;
  userPresses(
    userId: number,
    button: { messageId: number; data: string; chatId?: number },
    opts?: BotOption,
  ): string;
  blockBot(userId: number, opts?: BotOption): void;
  unblockBot(userId: number, opts?: BotOption): void;
  /** Whole chat, both sides, in order. Private chats are per bot (opts.botToken). */
  transcript(chatId: number, opts?: BotOption): ChatRecord[];
  /** Only from: "bot", not deleted. */
  botMessages(chatId: number, opts?: BotOption): ChatRecord[];
  waitForBotMessage(
    chatId: number,
    predicate?: (m: ChatRecord) => boolean,
    opts?: { timeoutMs?: number; botToken?: string },
  ): Promise<ChatRecord>;
  callbackAnswers(): CallbackAnswer[];
  /** Every stored command list, one entry per scope and language_code, in the order first set. */
  commands(opts?: BotOption): StoredCommands[];
  /**
   * The command list a Telegram client would show in `chatId` (a user id for a private chat), following the
   * documented scope priority; [] when none applies.
   */
  commandsFor(chatId: number, opts?: CommandsForOptions): unknown[];
  /**
   * A copy of the bytes behind a file_id (any size of a photo, a document, sticker or video), whether a user
   * or the bot uploaded it; undefined for unknown ids and files sent by URL.
   */
  fileContent(fileId: string): Buffer | undefined;
  stats(): SandboxStats;
  resetStats(): void;
  setLimits(l: Partial<FloodLimits>): void;
  setFaults(f: Partial<Faults>): void;
  setLatency(l: Partial<Latency>): void;
  /**
   * Switches the flood model (windows and closed scopes start afresh). Unless latency was set
   * explicitly, it becomes the new model's default.
   */
  setModel(model: FloodModelName, opts?: { hiddenRate?: number }): void;
  readonly model: FloodModelName;
  /** The hidden model's real bulk limit (reported under every model). */
  readonly hiddenRate: number;
  /**
   * For `seconds` (real time) every Bot API call, getUpdates included, fails: answered 500/502 with
   * nothing stored, hung until the outage ends plus hangExtraMs and then cut, or processed (a message
   * is stored) with its answer lost. Calls already being answered are not affected.
   */
  startOutage(seconds: number, opts?: OutageOptions): void;
  /** Ends an outage early; calls already hung stay hung until their own time. */
  endOutage(): void;
  readonly outage: OutageState;
  readonly limits: FloodLimits;
  readonly faults: Faults;
  readonly latency: Latency;
  /**
   * "message" (ChatRecord) for every stored bot message, "edit" (ChatRecord) after every edit,
   * "delete" (ChatRecord) after a deleteMessage, "update" ({ botId, update }) for every update enqueued,
   * "poll" ({ botId, offset, timeout }) when a long poll starts waiting, "request" (SandboxRequestEvent) per
   * Bot API answer, and "internal-error" (unknown) if the sandbox itself throws.
   */
  readonly events: EventEmitter;
}
