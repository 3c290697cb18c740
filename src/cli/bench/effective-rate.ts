/** What Herald's engine reported as its pacing rate, sampled from the broadcast's row. */
export interface EffectiveRate {
  /** Mean over the time the broadcast was running, each sample weighted by how long it held; null if never set. */
  mean: number | null;
  /** The last value seen while it was running; null if never set. */
  last: number | null;
}

export interface EffectiveRateSampler {
  /** One reading of the row: `at` in ms, `rate` the effective_rate column (null until the engine writes it). */
  sample(at: number, status: string, rate: number | null): void;
  result(): EffectiveRate;
}

/**
 * A step function: a running sample's rate holds until the next sample. Samples taken while the
 * broadcast is not running, or before the engine wrote a rate, add nothing.
 */
export function createEffectiveRateSampler(): EffectiveRateSampler {
  let previous: { at: number; rate: number } | undefined;
  let weighted = 0;
  let weight = 0;
  let last: number | null = null;
  return {
    sample(at, status, rate) {
      if (previous && at > previous.at) {
        weighted += previous.rate * (at - previous.at);
        weight += at - previous.at;
      }
      const counts = status === "running" && rate !== null && Number.isFinite(rate);
      previous = counts ? { at, rate } : undefined;
      if (counts) last = rate;
    },
    result() {
      if (weight > 0) return { mean: weighted / weight, last };
      return { mean: last, last };
    },
  };
}
