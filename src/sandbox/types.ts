import type { Contact, Document, MessageEntity, PhotoSize, Sticker, Video } from "grammy/types";

export type { Contact, Document, MessageEntity, PhotoSize, Sticker, Video };

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
  /** A phone contact the user shared (their own or someone else's). */
  contact?: Contact;
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

// The Sandbox interface and the options of its helpers.
export type * from "./sandbox-interface.js";
