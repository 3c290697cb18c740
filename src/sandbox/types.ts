import type { EventEmitter } from "node:events";
import type { Document, MessageEntity, PhotoSize, Sticker, Video } from "grammy/types";

export type { Document, MessageEntity, PhotoSize, Sticker, Video };

export interface SandboxClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface FloodLimits {
  /** Messages per second across all chats of one bot; 0 = no limit. */
  bulkPerSecond: number;
  /** Used instead of bulk for calls with allow_paid_broadcast=true; 0 = no limit. */
  paidPerSecond: number;
  /** Refill rate of the per-private-chat bucket; 0 = no limit. */
  chatPerSecond: number;
  /** Capacity of the per-private-chat bucket. */
  chatBurst: number;
  /** Messages per rolling minute in one group/supergroup; 0 = no limit. */
  groupPerMinute: number;
  /** A private chat whose user sent the bot an update this recently skips the bulk/paid bucket. */
  replyWindowSeconds: number;
}

/**
 * How flood control is modelled: "strict" sliding windows over arrival times; "bucket" token buckets;
 * "hidden" strict with a real bulk limit below the nominal one; "jitter" strict with latency of
 * 10-400 ms per request and occasional 1-2 s spikes, so requests arrive and answers return out of order.
 */
export type FloodModelName = "strict" | "bucket" | "hidden" | "jitter";

/** Refused requests by what the client did wrong (see FloodRefusal.violation). */
export type ViolationKind = "bulk" | "perChat" | "group" | "penalty";

/** How a Bot API call fails during an outage. */
export type OutageMode = "5xx" | "hang" | "lost";

export interface OutageOptions {
  /** The ways calls fail, drawn (seeded) per call; default all three. */
  modes?: readonly OutageMode[];
  /** A hung call's socket is destroyed this long after the outage ends (default 3000). */
  hangExtraMs?: number;
}

export interface OutageState {
  active: boolean;
  /** Real-time milliseconds until it ends; 0 when none is under way. */
  remainingMs: number;
}

export interface Faults {
  /** Share of message-sending/edit calls answered with 500 and not stored. */
  errorRate: number;
  /** Share of such calls answered slowMs late (the message is stored). */
  slowRate: number;
  slowMs: number;
  /** Share of such calls whose socket is destroyed without an answer (half before, half after storing). */
  dropRate: number;
}

/**
 * Where a round trip's time is spent. "even": half on the way to Telegram's counters, half after, so
 * requests arrive as jittered as answers come back. "answer": a request reaches the counters within
 * NETWORK_JITTER_MS of the least latency; the rest of the spread is Telegram's work and the way back,
 * so answers come back reordered while arrivals keep their order (a spike may still hit either way).
 */
export type LatencySplit = "even" | "answer";

export interface Latency {
  minMs: number;
  maxMs: number;
  /** Default "even"; the jitter model's own default is "answer". */
  split?: LatencySplit;
}

export interface SandboxBot {
  token: string;
  username: string;
  first_name: string;
}

export interface SandboxOptions {
  bots?: SandboxBot[];
  limits?: Partial<FloodLimits>;
  faults?: Partial<Faults>;
  latency?: Partial<Latency>;
  clock?: SandboxClock;
  /** Seeds the PRNG behind faults, latency and outages so runs are reproducible. */
  seed?: number;
  /**
   * Default "strict": the sandbox forgives nothing unless a test asks for the old token buckets.
   * Without `latency`, strict and hidden answer in 15-25 ms, jitter in 10-400 ms, bucket at once.
   */
  model?: FloodModelName;
  /** The hidden model's real bulk limit (default: 80 % of bulkPerSecond, rounded down). */
  hiddenRate?: number;
}

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

export interface SandboxUser {
  id: number;
  is_bot: false;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

export interface SandboxGroup {
  id: number;
  title: string;
  type: "group" | "supergroup";
}

/** One edit: the new values. A caption edit puts its caption_entities under `entities`. */
export interface ChatRecordEdit {
  at: number;
  text?: string;
  caption?: string;
  entities?: MessageEntity[];
  reply_markup?: unknown;
}

/** One message in a chat transcript. */
export interface ChatRecord {
  message_id: number;
  chat_id: number;
  from: "bot" | "user";
  /** Telegram id of the sender (user id or bot id). */
  from_id: number;
  /** Unix seconds. */
  date: number;
  /** Clock milliseconds when stored. */
  at: number;
  /** The Bot API method that produced it (bot messages). */
  method?: string;
  text?: string;
  caption?: string;
  entities?: MessageEntity[];
  caption_entities?: MessageEntity[];
  reply_markup?: unknown;
  /** Every size of one photo, smallest first; each file_id works with getFile, sendPhoto and fileContent. */
  photo?: PhotoSize[];
  document?: Document;
  sticker?: Sticker;
  video?: Video;
  reply_to_message_id?: number;
  /** Set on messages produced by forwardMessage. */
  forward_origin?: unknown;
  disable_notification?: boolean;
  /** Sent with allow_paid_broadcast. */
  paid?: boolean;
  edits: ChatRecordEdit[];
  deleted: boolean;
}

export interface SandboxStats {
  requests: number;
  byMethod: Record<string, number>;
  http429: number;
  http429ByScope: { bulk: number; paid: number; chat: number; group: number };
  /** Every non-2xx answer by HTTP status code as a string, 429 included. */
  errors: Record<string, number>;
  messagesSent: number;
  paidMessages: number;
  messagesPerChat: Record<string, number>;
  /** Connections destroyed without an answer by the dropRate fault. */
  dropped: number;
  /**
   * Refused requests by what the client did wrong: a send over the bulk (or paid), per-chat or group
   * limit, or a penalty (sent into a retry_after it had already received). Requests that were already
   * on their way when a scope closed are refused (in http429) but are not violations unless over a limit.
   */
  violations: Record<ViolationKind, number>;
  /** Bot API calls that arrived during an outage (answered 5xx, hung, or answer lost). */
  outageCalls: number;
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
  cache_time?: number;
}

export interface StoredCommands {
  scope: unknown;
  language_code?: string;
  commands: unknown[];
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
