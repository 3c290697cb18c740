import type { ChatRecord, Sandbox } from "../../sandbox/index.js";
import { createRandom } from "../../sandbox/random.js";
import type { Audience } from "./audience.js";
import type { RunningHerald } from "./herald-runner.js";
import type { BenchOptions } from "./options.js";
import type { Probe } from "./probe.js";

export type Watch = ReturnType<typeof createWatch>;

/**
 * What the bench follows while Herald sends: how often each recipient got the broadcast, and the
 * moments to SIGKILL Herald (--kills) or to start an outage (--outage) as deliveries pass them.
 */
export function createWatch(d: {
  options: BenchOptions;
  sandbox: Sandbox;
  audience: Audience;
  botId: number;
  herald: RunningHerald;
  probe: Probe;
  log: (line: string) => void;
  failure: { why?: string };
}) {
  const { options, sandbox, audience, botId, herald, probe, log, failure } = d;
  const n = options.recipients;
  const perRecipient = new Uint8Array(n);
  let delivered = 0;
  let lastAt = 0;
  let lastMessageSeenAt = Date.now();
  let finished = false;

  // Kill moments: seeded fractions of the audience, each with a little jitter after it is reached.
  const killRandom = createRandom((options.seed ^ 0x6b11) >>> 0);
  const killPlan = Array.from({ length: options.kills ?? 0 }, () => ({
    at: Math.max(1, Math.floor((0.05 + 0.9 * killRandom()) * n)),
    jitterMs: Math.floor(killRandom() * 400),
  })).sort((a, b) => a.at - b.at);
  let kills = 0;
  let killing = false;
  const maybeKill = () => {
    const next = killPlan[kills];
    if (killing || finished || !next || delivered < next.at) return;
    killing = true;
    setTimeout(() => {
      if (finished) {
        killing = false;
        return;
      }
      const at = delivered;
      herald
        .killAndRestart()
        .then(() => {
          kills++;
          log(`SIGKILL ${kills}/${killPlan.length} at ${at}/${n} delivered; Herald restarted`);
        })
        .catch((error: unknown) => {
          failure.why ??= `restarting Herald failed: ${String(error)}`;
        })
        .finally(() => {
          killing = false;
          lastMessageSeenAt = Date.now();
        });
    }, next.jitterMs);
  };

  // The outage begins once about a third of the audience has the broadcast.
  let outageStartedAtDelivered: number | null = null;
  let outageEndsAt = 0;
  const maybeStartOutage = () => {
    const seconds = options.outageSeconds;
    if (seconds === undefined || outageStartedAtDelivered !== null || finished) return;
    if (delivered < Math.max(1, Math.ceil(n / 3))) return;
    sandbox.startOutage(seconds);
    outageStartedAtDelivered = delivered;
    outageEndsAt = Date.now() + seconds * 1000;
    log(`outage: every Bot API call fails for ${seconds} s, from ${delivered}/${n} delivered`);
  };

  const onMessage = (rec: ChatRecord) => {
    if (rec.from_id !== botId) return;
    const i = rec.chat_id - audience.firstTelegramId;
    if (i < 0 || i >= n) return;
    if (lastAt === 0) probe.start();
    lastAt = Math.max(lastAt, rec.at);
    lastMessageSeenAt = Date.now();
    const seen = perRecipient[i] ?? 0;
    if (seen === 0) delivered++;
    if (seen < 255) perRecipient[i] = seen + 1;
    maybeKill();
    maybeStartOutage();
  };

  return {
    onMessage,
    perRecipient,
    delivered: () => delivered,
    /** Clock ms of the last broadcast message stored (0: none yet). */
    lastAt: () => lastAt,
    /** Since when nothing arrived: the last message, or the end of an outage. */
    quietSince: () => Math.max(lastMessageSeenAt, outageEndsAt),
    killing: () => killing,
    kills: () => kills,
    outageStartedAtDelivered: () => outageStartedAtDelivered,
    finish(): void {
      finished = true;
    },
  };
}
