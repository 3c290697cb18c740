import { createRandom } from "./random.js";
import type { FloodModelName, Latency } from "./types.js";

/** Each model's Bot API latency when none is set: bucket keeps the old instant answers. */
export const MODEL_LATENCY: Readonly<Record<FloodModelName, Latency>> = {
  strict: { minMs: 15, maxMs: 25 },
  hidden: { minMs: 15, maxMs: 25 },
  bucket: { minMs: 0, maxMs: 0 },
  jitter: { minMs: 10, maxMs: 400 },
};

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

/** Seeded draws; every call takes the same three numbers, so the sequence depends only on the seed and order. */
export function createLatencyPicker(seed: number): (range: Latency, spikes: boolean) => LatencyDraw {
  const random = createRandom(seed);
  return (range, spikes) => {
    const r = random();
    const spikeRoll = random();
    const spikeSize = random();
    const total =
      spikes && spikeRoll < JITTER_SPIKES.share
        ? JITTER_SPIKES.minMs + spikeSize * (JITTER_SPIKES.maxMs - JITTER_SPIKES.minMs)
        : range.minMs + r * (range.maxMs - range.minMs);
    const rounded = Math.round(total);
    const inboundMs = Math.floor(rounded / 2);
    return { inboundMs, outboundMs: rounded - inboundMs };
  };
}
