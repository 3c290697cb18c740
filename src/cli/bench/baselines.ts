import { autoRetry } from "@grammyjs/auto-retry";
import { apiThrottler } from "@grammyjs/transformer-throttler";
import { Bot } from "grammy";
import type { ChatRecord, Sandbox, SandboxBot } from "../../sandbox/index.js";
import { type Audience, renderFor } from "./audience.js";
import { countReceived, type RunFigures } from "./count.js";
import { createProbe } from "./probe.js";

export type BaselineKind = "naiveLoop" | "throttler";

export interface BaselineResult extends RunFigures {
  kind: BaselineKind;
  /** From the start until the last send returned (delivered or not). */
  sendingSeconds: number;
  /** Stopped by the time cap before every message was sent. */
  capped: boolean;
  /** Sends that ended in an error (after the plugin's retries, if any). */
  sendErrors: number;
}

export interface BaselineSetup {
  sandbox: Sandbox;
  bot: SandboxBot;
  count: number;
  paid: boolean;
  seed: number;
  capSeconds: number;
  probeUsers: number;
  probesPerSecond: number;
  log(line: string): void;
}

const REPLY_TEXT = "Привет! Я бот мероприятия.";
const PROBE_SETTLE_MS = 60_000;

class CapReached extends Error {
  override readonly name = "CapReached";
}

/**
 * The same personalised broadcast sent the way people commonly do it, against the same sandbox limit:
 * - naiveLoop: a sequential `for` loop of sendMessage on a bot whose Api has @grammyjs/auto-retry;
 * - throttler: every sendMessage at once (Promise.all) through @grammyjs/transformer-throttler's defaults.
 * Meanwhile a tiny bot on the same Api answers the probe users' /start, so replies queue behind the
 * broadcast as in a real bot built this way. Each baseline has its own sandbox bot (its own chats,
 * updates and flood buckets) and fresh recipients.
 */
export async function runBaseline(kind: BaselineKind, setup: BaselineSetup): Promise<BaselineResult> {
  const { sandbox } = setup;
  const botId = Number(setup.bot.token.split(":")[0]);
  const recipients = sandbox.createUsers(
    Array.from({ length: setup.count }, (_, i) => ({ first_name: `Baseline ${i}`, language_code: "ru" })),
    { started: true, botToken: setup.bot.token },
  );
  const audience: Audience = {
    firstTelegramId: recipients[0]?.id ?? 0,
    count: recipients.length,
    seed: setup.seed,
  };
  const probeUsers = sandbox.createUsers(
    Array.from({ length: setup.probeUsers }, (_, i) => ({ first_name: `Probe ${kind} ${i}` })),
  );

  let capped = false;
  const bot = new Bot(setup.bot.token, { client: { apiRoot: sandbox.url } });
  // Innermost: once the cap is reached nothing more reaches the sandbox (queued sends fail at once).
  bot.api.config.use((prev, method, payload, signal) => {
    if (capped && method !== "getUpdates") throw new CapReached("the baseline's time cap was reached");
    return prev(method, payload, signal);
  });
  if (kind === "naiveLoop") bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));
  else bot.api.config.use(apiThrottler());
  bot.command("start", (ctx) => ctx.reply(REPLY_TEXT));
  bot.catch(() => undefined);

  const probe = createProbe(sandbox, {
    botId,
    botToken: setup.bot.token,
    userIds: probeUsers.map((u) => u.id),
    perSecond: setup.probesPerSecond,
  });
  let lastAt = 0;
  const onMessage = (rec: ChatRecord): void => {
    if (rec.from_id !== botId) return;
    const i = rec.chat_id - audience.firstTelegramId;
    if (i < 0 || i >= audience.count) return;
    if (lastAt === 0) probe.start();
    lastAt = Math.max(lastAt, rec.at);
  };

  await new Promise<void>((resolve, reject) => {
    bot.start({ drop_pending_updates: true, onStart: () => resolve() }).catch(reject);
  });
  sandbox.events.on("message", onMessage);
  sandbox.resetStats();
  const startedAt = Date.now();
  let capTimer: NodeJS.Timeout | undefined;
  const capReached = new Promise<void>((resolve) => {
    capTimer = setTimeout(() => {
      capped = true;
      resolve();
    }, setup.capSeconds * 1000);
  });
  let sendErrors = 0;
  const sendTo = async (i: number): Promise<void> => {
    const message = renderFor(audience, i);
    try {
      await bot.api.sendMessage(audience.firstTelegramId + i, message.html, {
        parse_mode: "HTML",
        reply_markup: { inline_keyboard: message.buttons },
        ...(setup.paid ? { allow_paid_broadcast: true } : {}),
      });
    } catch {
      sendErrors++;
    }
  };

  const progress = setInterval(() => {
    setup.log(
      `${kind}: ${Math.round((Date.now() - startedAt) / 1000)} s, ${sandbox.stats().messagesSent} messages sent`,
    );
  }, 30_000);
  try {
    if (kind === "naiveLoop") {
      for (let i = 0; i < audience.count && !capped; i++) await sendTo(i);
    } else {
      // As people write it: every send at once, the throttler queues them.
      await Promise.race([
        Promise.all(Array.from({ length: audience.count }, (_, i) => sendTo(i))),
        capReached,
      ]);
    }
  } finally {
    clearInterval(progress);
    clearTimeout(capTimer);
  }
  const sendingEnded = Date.now();
  probe.stopSending();
  await probe.settle(PROBE_SETTLE_MS);
  const end = lastAt || sendingEnded;
  // The broadcast runs until the last send returned, even when the last delivered message came earlier.
  const probeSummary = probe.summary(startedAt, Math.max(end, sendingEnded));
  const stats = sandbox.stats();
  sandbox.events.off("message", onMessage);
  probe.dispose();
  await bot.stop();

  const received = countReceived(sandbox, audience, setup.bot.token);
  const seconds = Math.max(0.001, (end - startedAt) / 1000);
  if (received.otherMessages > 0)
    setup.log(`${kind}: ${received.otherMessages} unexpected non-broadcast messages`);
  return {
    kind,
    ...received,
    recipients: audience.count,
    seconds,
    msgsPerSecond: received.delivered / seconds,
    sendingSeconds: (sendingEnded - startedAt) / 1000,
    http429: stats.http429,
    violations: stats.violations,
    requests: stats.requests,
    probe: probeSummary,
    capped,
    sendErrors,
  };
}
