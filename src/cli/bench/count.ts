import type { Sandbox, ViolationKind } from "../../sandbox/index.js";
import { createRandom } from "../../sandbox/random.js";
import { type Audience, BROADCAST_MARKER, isPersonalisedFor } from "./audience.js";
import type { ProbeSummary } from "./probe.js";

/** What every run of the benchmark measures, Herald's or a baseline's. */
export interface RunFigures extends Received {
  recipients: number;
  seconds: number;
  msgsPerSecond: number;
  http429: number;
  /** The sandbox's refusals by what the sender did wrong; `penalty` = sent into a retry_after it had. */
  violations: Record<ViolationKind, number>;
  requests: number;
  probe: ProbeSummary;
}

export interface Received {
  /** Recipients with at least one broadcast message. */
  delivered: number;
  /** Recipients with none. */
  lost: number;
  /** Broadcast messages beyond the first, over all recipients. */
  duplicates: number;
  /** Bot messages to recipients that are not the broadcast (expected: 0). */
  otherMessages: number;
  /** A sample of delivered recipients whose message was checked for their own answer number and link. */
  sampleChecked: number;
  samplePersonalised: number;
}

const SAMPLE = 25;

/** What the recipients actually got, read from the sandbox's chats (not from the sender's bookkeeping). */
export function countReceived(sandbox: Sandbox, audience: Audience, botToken: string): Received {
  let delivered = 0;
  let duplicates = 0;
  let otherMessages = 0;
  for (let i = 0; i < audience.count; i++) {
    const messages = sandbox.botMessages(audience.firstTelegramId + i, { botToken });
    let broadcast = 0;
    for (const m of messages) {
      if ((m.text ?? "").includes(BROADCAST_MARKER)) broadcast++;
      else otherMessages++;
    }
    if (broadcast > 0) delivered++;
    if (broadcast > 1) duplicates += broadcast - 1;
  }

  const random = createRandom(audience.seed ^ 0x5a3c);
  const sample = new Set([0, audience.count - 1]);
  while (sample.size < Math.min(SAMPLE, audience.count)) sample.add(Math.floor(random() * audience.count));
  let sampleChecked = 0;
  let samplePersonalised = 0;
  for (const i of sample) {
    const messages = sandbox
      .botMessages(audience.firstTelegramId + i, { botToken })
      .filter((m) => (m.text ?? "").includes(BROADCAST_MARKER));
    if (messages.length === 0) continue;
    sampleChecked++;
    if (messages.every((m) => isPersonalisedFor(audience, i, m))) samplePersonalised++;
  }
  return {
    delivered,
    lost: audience.count - delivered,
    duplicates,
    otherMessages,
    sampleChecked,
    samplePersonalised,
  };
}
