import { createRandom } from "./random.js";
import type { FloodModelName, Latency, LatencySplit } from "./types.js";

/** Each model's Bot API latency when none is set: bucket keeps the old instant answers. */
export const MODEL_LATENCY: Readonly<Record<FloodModelName, Latency>> = {
  strict: { minMs: 15, maxMs: 25, split: "even" },
  hidden: { minMs: 15, maxMs: 25, split: "even" },
  bucket: { minMs: 0, maxMs: 0, split: "even" },
  jitter: { minMs: 10, maxMs: 400, split: "answer" },
};

export const LATENCY_SPLITS: readonly LatencySplit[] = ["even", "answer"];

/** With the "answer" split, how much later than the least latency's share a request may reach Telegram. */
export const NETWORK_JITTER_MS = 20;

/** Under the jitter model this share of requests takes 1-2 s instead. */
export const JITTER_SPIKES = { share: 0.02, minMs: 1000, maxMs: 2000 } as const;

/**
 * One request's latency, split at the server: the inbound half passes before the request "arrives"
 * (flood admission happens then), the outbound half after its answer is decided.
 */
export interface LatencyDraw {
  inboundMs: number;
  outboundMs: number;
}

/** Seeded draws; every call takes the same four numbers, so the sequence depends only on the seed and order. */
export function createLatencyPicker(seed: number): (range: Latency, spikes: boolean) => LatencyDraw {
  const random = createRandom(seed);
  return (range, spikes) => {
    const r = random();
    const spikeRoll = random();
    const spikeSize = random();
    const way = random();
    const base = Math.round(range.minMs + r * (range.maxMs - range.minMs));
    if (range.split !== "answer") {
      const total = spikes && spikeRoll < JITTER_SPIKES.share ? spikeTotal(spikeSize) : base;
      const inboundMs = Math.floor(total / 2);
      return { inboundMs, outboundMs: total - inboundMs };
    }
    // The way there: the least latency's half, plus up to NETWORK_JITTER_MS of the spread.
    const least = Math.floor(range.minMs / 2);
    const inboundMs = least + Math.min(base - range.minMs, Math.round((way % 0.5) * 2 * NETWORK_JITTER_MS));
    const outboundMs = base - inboundMs;
    if (!spikes || spikeRoll >= JITTER_SPIKES.share) return { inboundMs, outboundMs };
    // A lost packet is resent on either way: the spike delays the request or its answer.
    const extra = Math.max(0, spikeTotal(spikeSize) - base);
    return way < 0.5
      ? { inboundMs: inboundMs + extra, outboundMs }
      : { inboundMs, outboundMs: outboundMs + extra };
  };
}

function spikeTotal(size: number): number {
  return Math.round(JITTER_SPIKES.minMs + size * (JITTER_SPIKES.maxMs - JITTER_SPIKES.minMs));
}
