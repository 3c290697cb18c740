import type { Api } from "grammy";
import type { Cancel, TimedClock } from "../clock.js";
import type { Config } from "../config.js";
import type { Sqlite } from "../db/client.js";
import type { Broadcast, Broadcasts } from "../delivery/broadcasts.js";
import type { BroadcastProgress } from "../delivery/engine.js";
import type { Logger } from "../logger.js";
import type { Language } from "../messages/language.js";
import { describeError } from "./describe-error.js";
import { createProgressMessages } from "./progress-edits.js";
import { createOutageNotices, type OutageEvent } from "./progress-outage.js";
import { createProgressPoster } from "./progress-post.js";
import { createReporter } from "./progress-report.js";
import { progressView } from "./progress-view.js";

export { EDIT_INTERVAL_MS } from "./progress-edits.js";
export { broadcastStatus } from "./progress-view.js";

const REPORT_POLL_MS = 1000;

export interface ProgressWatcher {
  /** Posts a new live progress message for a broadcast in a chat, which follows it from then on. */
  show(broadcastId: number, chatId: number, language: Language): Promise<void>;
  /**
   * Posts the progress message of a launched broadcast in the chat that watches it, unless it has
   * one already (the launch posts it, and so does the watcher for a launch whose post a crash cut
   * off). True once the message is there; false if Telegram refused (the watcher tries again).
   */
  post(broadcastId: number): Promise<boolean>;
  /** Shows the broadcast's new state (after pause, resume, cancel) at its chat's next edit. */
  refresh(broadcastId: number): void;
  /** Feed of the delivery engine's progress events. */
  onProgress(progress: BroadcastProgress): void;
  /**
   * The engine paused a broadcast because Telegram stopped answering, or resumed it when Telegram
   * answered again: the organisers are told in the chat that watches it (else the organisers' group).
   */
  onOutage(event: OutageEvent): void;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The organisers' view of running broadcasts: one message per broadcast, edited as it goes, then the
 * report and a CSV. Which message to edit and whether the report went out live in SQLite, so a
 * restart picks up where it stopped.
 */
export function createProgressWatcher(deps: {
  /** The bot's own API (throttled for group limits); a getter, since the bot is built after the watcher. */
  api: () => Api;
  sqlite: Sqlite;
  broadcasts: Broadcasts;
  /** Its time and its timers: the report poll, the edit slots, the outage notices' retries. */
  clock: TimedClock;
  logger: Logger;
  config: Pick<Config, "timezone" | "adminChatId">;
}): ProgressWatcher {
  const { broadcasts, clock, api } = deps;
  const logger = deps.logger.child({ part: "progress" });
  const latest = new Map<number, BroadcastProgress>();
  /** Edits and posts on the wire, so stop() waits for them before the database closes. */
  const inFlight = new Set<Promise<unknown>>();
  let stopPolling: Cancel | undefined;
  let reporting: Promise<void> = Promise.resolve();
  let stopped = false;

  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  function find(id: number): Broadcast | undefined {
    try {
      return broadcasts.get(id);
    } catch {
      return undefined;
    }
  }

  const isStopped = () => stopped;
  const view = (row: Broadcast, language: Language) =>
    progressView(row, latest.get(row.id), { language, timezone: deps.config.timezone });
  const messages = createProgressMessages({
    api,
    broadcasts,
    clock,
    logger,
    view,
    find,
    track,
    stopped: isStopped,
  });
  const notices = createOutageNotices({
    api,
    clock,
    logger,
    adminChatId: deps.config.adminChatId,
    find,
    track,
    stopped: isStopped,
  });
  const post = createProgressPoster({ clock, logger, messages, find, track });
  const report = createReporter({ ...deps, logger, find, post, requestEdit: messages.request });

  /** Progress messages a crash cut off, then reports of finished broadcasts: one pass at a time. */
  function poll() {
    reporting = reporting.then(async () => {
      if (stopped) return;
      for (const row of broadcasts.unposted()) await post(row.id);
      for (const row of broadcasts.unreported()) await report(row);
    });
    reporting = reporting.catch((error: unknown) =>
      logger.error({ err: describeError(error) }, "progress check failed"),
    );
  }

  return {
    async show(broadcastId, chatId, language) {
      await track(messages.send(broadcasts.get(broadcastId), chatId, language));
    },
    post,
    refresh: messages.request,
    onOutage(event) {
      if (notices.notify(event)) messages.request(event.broadcastId);
    },
    onProgress(progress) {
      latest.set(progress.broadcastId, progress);
      if (progress.status === "done") {
        poll();
        return;
      }
      messages.request(progress.broadcastId);
    },
    start() {
      stopped = false;
      stopPolling = clock.every(REPORT_POLL_MS, poll);
      poll();
    },
    async stop() {
      stopped = true;
      stopPolling?.();
      notices.clearTimers();
      messages.clearTimers();
      await reporting;
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
