import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const SUBSCRIBER_STATUSES = ["active", "blocked", "unsubscribed"] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const LANGUAGES = ["ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Everyone who has opened the bot. Only the Telegram ID and service data: names, usernames and
 * phones that Telegram sends are never stored.
 */
export const subscribers = sqliteTable(
  "subscribers",
  {
    telegramId: integer("telegram_id").primaryKey(),
    language: text("language", { enum: LANGUAGES }).notNull().default("ru"),
    status: text("status", { enum: SUBSCRIBER_STATUSES }).notNull().default("active"),
    /** Unix milliseconds. */
    firstSeenAt: integer("first_seen_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    statusChangedAt: integer("status_changed_at").notNull(),
  },
  (table) => [
    index("subscribers_status_idx").on(table.status),
    // Scenarios enrol new subscribers by the time they first opened the bot.
    index("subscribers_first_seen_idx").on(table.firstSeenAt),
  ],
);

export const MODERATION_STATES = ["pending", "approved", "rejected"] as const;
export type ModerationState = (typeof MODERATION_STATES)[number];

/**
 * One answer of the organiser's registration form, known by its number only. Rows are created by
 * whichever arrives first (the form's webhook, the attendee's deep link, a moderation decision), because
 * the organiser's systems and the attendee do not wait for each other.
 */
export const registrations = sqliteTable(
  "registrations",
  {
    answerId: text("answer_id").primaryKey(),
    /** The attendee's Telegram ID once they opened the bot through their link; never re-bound to another. */
    telegramId: integer("telegram_id"),
    /** Template parameters the form site sent (strings only; no personal data is expected). JSON object. */
    attributes: text("attributes").notNull().default("{}"),
    submittedAt: integer("submitted_at"),
    boundAt: integer("bound_at"),
    moderation: text("moderation", { enum: MODERATION_STATES }).notNull().default("pending"),
    moderatedAt: integer("moderated_at"),
    /** Stored exactly as the organiser sent it: it must match the link in their e-mail. */
    ticketUrl: text("ticket_url"),
    /** Increases when the organiser replaces the ticket link, so each version is delivered once. */
    ticketVersion: integer("ticket_version").notNull().default(0),
    rejectionNote: text("rejection_note"),
    /**
     * When Telegram first accepted a ticket for this answer (any link version). Written by triggers on
     * `deliveries` (migration 0008), so every writer of a sent ticket row keeps it in the same statement.
     * drizzle-kit does not know triggers: a migration that rebuilds `deliveries` drops them (a test in
     * test/db/client.test.ts notices), and one that rebuilds `registrations` fails on them; such a
     * migration drops the two triggers first and creates them again after.
     */
    ticketSentAt: integer("ticket_sent_at"),
    completedAt: integer("completed_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    index("registrations_telegram_idx").on(table.telegramId),
    // Scenarios enrol attendees by the time they bound their answer.
    index("registrations_bound_at_idx").on(table.boundAt),
  ],
);

/** A Telegram ID that tried to take an answer already bound to someone else: organisers look into these. */
export const bindConflicts = sqliteTable(
  "bind_conflicts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    answerId: text("answer_id").notNull(),
    telegramId: integer("telegram_id").notNull(),
    at: integer("at").notNull(),
  },
  (table) => [index("bind_conflicts_answer_idx").on(table.answerId)],
);

/** Every webhook event handled, with the answer given, so a repeated event id is answered the same way. */
export const webhookEvents = sqliteTable("webhook_events", {
  eventId: text("event_id").primaryKey(),
  kind: text("kind").notNull(),
  receivedAt: integer("received_at").notNull(),
  statusCode: integer("status_code").notNull(),
  response: text("response").notNull(),
});

export const DELIVERY_LANES = ["transactional", "bulk"] as const;
export type DeliveryLane = (typeof DELIVERY_LANES)[number];
export const DELIVERY_STATUSES = [
  "pending",
  "sending",
  "sent",
  "failed",
  "blocked",
  "expired",
  "cancelled",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * The outbox: every message Herald sends on its own initiative is a row here before it is sent.
 * (job_key, telegram_id) is unique, so one job can never reach one person twice.
 */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    jobKey: text("job_key").notNull(),
    telegramId: integer("telegram_id").notNull(),
    lane: text("lane", { enum: DELIVERY_LANES }).notNull(),
    /** What to send, rendered (JSON of OutgoingMessage); null for a broadcast, rendered at send time. */
    payload: text("payload"),
    /** The broadcast this row belongs to, if any. */
    broadcastId: integer("broadcast_id"),
    /** Was in flight when the process stopped: it may have arrived already. Counted, and sent again. */
    ambiguous: integer("ambiguous", { mode: "boolean" }).notNull().default(false),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** Not to be sent before this time (backoff after a failure). */
    notBefore: integer("not_before").notNull(),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
    messageId: integer("message_id"),
    error: text("error"),
  },
  (table) => [
    uniqueIndex("deliveries_job_recipient_idx").on(table.jobKey, table.telegramId),
    index("deliveries_due_idx").on(table.status, table.lane, table.notBefore),
    index("deliveries_broadcast_idx").on(table.broadcastId, table.status),
    // The scenarios' daily cap counts what one person received lately.
    index("deliveries_recipient_idx").on(table.telegramId),
  ],
);

export const BROADCAST_STATUSES = ["draft", "scheduled", "running", "paused", "done", "cancelled"] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

export const PAUSED_BY = ["organiser", "failures", "outage"] as const;
export type PausedBy = (typeof PAUSED_BY)[number];

/**
 * A broadcast and its whole lifecycle. The audience is materialised into `deliveries` in batches
 * (cursor `audience_cursor`), never held in memory; counts are kept here so progress is cheap to read.
 */
export const broadcasts = sqliteTable(
  "broadcasts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    title: text("title").notNull(),
    status: text("status", { enum: BROADCAST_STATUSES }).notNull().default("draft"),
    /** JSON of BroadcastContent: a template (text or photo) or a message to copy, with URL buttons. */
    content: text("content").notNull(),
    /** JSON of the audience rule. */
    audience: text("audience").notNull(),
    paid: integer("paid", { mode: "boolean" }).notNull().default(false),
    urgent: integer("urgent", { mode: "boolean" }).notNull().default(false),
    silent: integer("silent", { mode: "boolean" }).notNull().default(false),
    scheduledAt: integer("scheduled_at"),
    deadline: integer("deadline"),
    /** The last subscriber ID materialised into deliveries; null once the audience is complete. */
    audienceCursor: integer("audience_cursor").notNull().default(0),
    audienceComplete: integer("audience_complete", { mode: "boolean" }).notNull().default(false),
    total: integer("total").notNull().default(0),
    sent: integer("sent").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    blocked: integer("blocked").notNull().default(0),
    expired: integer("expired").notNull().default(0),
    ambiguous: integer("ambiguous").notNull().default(0),
    /** Messages sent with allow_paid_broadcast, and their cost in Stars above the free rate. */
    paidMessages: integer("paid_messages").notNull().default(0),
    starsCost: integer("stars_cost_tenths").notNull().default(0),
    pauseReason: text("pause_reason"),
    /**
     * Who or what paused it: an organiser; the engine after refused sends in a row (an organiser
     * decides); or the engine during an outage (it probes Telegram and resumes on its own).
     */
    pausedBy: text("paused_by", { enum: PAUSED_BY }),
    /** The bulk rate (messages/s) the engine paced at when it last reported progress. */
    effectiveRate: real("effective_rate"),
    /** The organiser who launched it (Telegram ID), for the audit and the report. */
    createdBy: integer("created_by"),
    /** The live progress message in the admin chat, edited as it goes; the report follows it. */
    progressChatId: integer("progress_chat_id"),
    progressMessageId: integer("progress_message_id"),
    /** The language of the organiser who watches it, for the progress message and the report. */
    progressLanguage: text("progress_language", { enum: LANGUAGES }),
    /** When the final report (and its CSV) went to the admin chat: sent once, even across restarts. */
    reportedAt: integer("reported_at"),
    /** When the report's CSV went after it: a stop between the two sends the CSV, not the report, again. */
    reportCsvAt: integer("report_csv_at"),
    createdAt: integer("created_at").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (table) => [index("broadcasts_status_idx").on(table.status)],
);

/** Every organiser action (who, what, when), kept for accountability; details hold ids, never texts of people. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    actorId: integer("actor_id").notNull(),
    chatId: integer("chat_id").notNull(),
    action: text("action").notNull(),
    /** JSON object with ids and settings of the action. */
    detail: text("detail").notNull().default("{}"),
    at: integer("at").notNull(),
  },
  (table) => [index("audit_log_at_idx").on(table.at)],
);

export const SEGMENT_KEYS = ["answer_id", "telegram_id"] as const;
export type SegmentKey = (typeof SEGMENT_KEYS)[number];

/** A named list an organiser uploaded (answer numbers or Telegram IDs), usable as a broadcast audience. */
export const segments = sqliteTable("segments", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  key: text("key", { enum: SEGMENT_KEYS }).notNull(),
  size: integer("size").notNull(),
  createdBy: integer("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** One value of a segment; answers that bind later join the audience then. */
export const segmentMembers = sqliteTable(
  "segment_members",
  {
    segmentId: integer("segment_id")
      .notNull()
      .references(() => segments.id, { onDelete: "cascade" }),
    answerId: text("answer_id"),
    telegramId: integer("telegram_id"),
  },
  (table) => [
    uniqueIndex("segment_members_answer_idx").on(table.segmentId, table.answerId),
    uniqueIndex("segment_members_telegram_idx").on(table.segmentId, table.telegramId),
  ],
);

/** A broadcast saved for reuse: its content (JSON of BroadcastContent) under a name. */
export const templates = sqliteTable("templates", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  content: text("content").notNull(),
  createdBy: integer("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Organisers' dialogs (grammY conversations), so a restart in the middle of composing loses nothing. */
export const dialogs = sqliteTable("dialogs", {
  key: text("key").primaryKey(),
  state: text("state").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const SCENARIO_TRIGGERS = ["bound", "subscribed", "event"] as const;
export type ScenarioTrigger = (typeof SCENARIO_TRIGGERS)[number];

/**
 * A reminder scenario: an ordered chain of steps started by a trigger (an answer bound to Telegram,
 * a new subscriber, or the event's start time). Organisers enable, disable and edit them.
 */
export const scenarios = sqliteTable("scenarios", {
  id: text("id").primaryKey(),
  trigger: text("trigger", { enum: SCENARIO_TRIGGERS }).notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  /** Triggers up to this time (Unix ms) have been enrolled: the next sweep starts after it. */
  enrolledUntil: integer("enrolled_until").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const STEP_ANCHORS = ["trigger", "previous", "event"] as const;
export type StepAnchor = (typeof STEP_ANCHORS)[number];

/** One step: what to say (per language) and when, counted from the trigger, the previous step or the event. */
export const scenarioSteps = sqliteTable(
  "scenario_steps",
  {
    scenarioId: text("scenario_id")
      .notNull()
      .references(() => scenarios.id, { onDelete: "cascade" }),
    /** 1-based order. */
    position: integer("position").notNull(),
    /** Minutes after the anchor (negative before the event). */
    delayMinutes: integer("delay_minutes").notNull(),
    anchor: text("anchor", { enum: STEP_ANCHORS }).notNull(),
    /** Telegram HTML templates with `{param}` placeholders, per language. */
    textRu: text("text_ru").notNull(),
    textEn: text("text_en").notNull(),
    /** JSON of `{ ru?: ButtonTemplate[][], en?: ButtonTemplate[][] }`: URL buttons per language. */
    buttons: text("buttons").notNull().default("{}"),
    /** Event steps: the broadcast that carried it, or that it was skipped (stale). */
    broadcastId: integer("broadcast_id"),
    skippedAt: integer("skipped_at"),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [uniqueIndex("scenario_steps_position_idx").on(table.scenarioId, table.position)],
);

export const RUN_STATUSES = ["active", "stopped", "finished"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One person going through one scenario: where they are, when the next step is due, and why it ended. */
export const scenarioRuns = sqliteTable(
  "scenario_runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    scenarioId: text("scenario_id").notNull(),
    telegramId: integer("telegram_id").notNull(),
    answerId: text("answer_id"),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("active"),
    /** completed, ticket_sent, submitted, unsubscribed, blocked. */
    stopReason: text("stop_reason"),
    /** Position of the next step to send. */
    nextStep: integer("next_step").notNull(),
    nextDueAt: integer("next_due_at"),
    /** Position of the last step sent (0: none yet). */
    lastStepSent: integer("last_step_sent").notNull().default(0),
    lastSentAt: integer("last_sent_at"),
    /** Steps skipped because they were long overdue and superseded (after downtime). */
    skipped: integer("skipped").notNull().default(0),
    /** Steps moved by quiet hours or the daily cap. */
    deferred: integer("deferred").notNull().default(0),
    triggeredAt: integer("triggered_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (table) => [
    uniqueIndex("scenario_runs_person_idx").on(table.scenarioId, table.telegramId),
    index("scenario_runs_due_idx").on(table.status, table.nextDueAt),
  ],
);

/**
 * Flood-gate scopes Telegram closed with a 429 (`bulk`, `paid`, `chat:<id>`, `group:<id>`, `method:<name>`),
 * until when: a restart inside a retry_after must not send into it. Rows past their time are pruned.
 */
export const floodClosures = sqliteTable("flood_closures", {
  scope: text("scope").primaryKey(),
  closedUntil: integer("closed_until").notNull(),
});

/**
 * An organiser's chat waiting for a test submission from one form builder (the cockpit's `/forms`):
 * the next accepted submission of that provider queues a report of what was mapped (names only) to
 * the chat and removes the row. One open watch per chat and provider; an hour after `created_at`
 * it no longer counts.
 */
export const formWatches = sqliteTable(
  "form_watches",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    provider: text("provider").notNull(),
    chatId: integer("chat_id").notNull(),
    language: text("language", { enum: LANGUAGES }).notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [uniqueIndex("form_watches_chat_provider_idx").on(table.chatId, table.provider)],
);
