/**
 * The arithmetic behind the flood gate's bulk lane, kept apart from its queues: how the rate adapts
 * to 429s, and how wide the network's jitter is. Both are plain state on numbers, with no timers.
 */

/** After a 429 the rate is multiplied by this, then raised by RAISE_STEP_SHARE every RAISE_EVERY_MS. */
const DECREASE = 0.85;
const RAISE_EVERY_MS = 5000;
const RAISE_STEP_SHARE = 0.02;
/** The climb stays just below the rate that drew the last 429 this long before probing it again. */
const CEILING_HOLD_MS = 60_000;

/** A rate that goes down after a 429 and finds its way back up while the lane is busy. */
export class AdaptiveRate {
  current: number;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private lastRaiseAt = 0;
  /** The whole rate when the last 429 came. */
  private ceiling = Number.POSITIVE_INFINITY;

  constructor(readonly configured: number) {
    this.current = configured;
  }

  /** A 429 for a call sent before the last cut is part of that episode. */
  episodeOf(sentAt: number): boolean {
    return sentAt < this.lastDecreaseAt;
  }

  /**
   * A 429 for a call sent at `sentAt`: lowers the rate once per episode (calls already on the wire
   * answer 429 too). True if it changed.
   */
  lower(sentAt: number, now: number): boolean {
    if (sentAt < this.lastDecreaseAt) return false;
    this.ceiling = Math.floor(this.current);
    this.current = Math.max(1, this.current * DECREASE);
    this.lastDecreaseAt = now;
    this.lastRaiseAt = now;
    return true;
  }

  /** A send went out; `busy`: the lane was near its limit. True if the rate went up. */
  raise(now: number, busy: boolean): boolean {
    if (this.current >= this.configured || now - this.lastRaiseAt < RAISE_EVERY_MS) return false;
    this.lastRaiseAt = now;
    // Probe upwards only while the lane is busy: an idle lane proves nothing about the limit.
    if (!busy) return false;
    let next = Math.min(this.configured, this.current + Math.max(0.5, this.configured * RAISE_STEP_SHARE));
    // Where the last 429 came, Telegram's limit is: stay just below it for a while before probing it again.
    if (Math.floor(next) >= this.ceiling && now - this.lastDecreaseAt < CEILING_HOLD_MS) {
      next = Math.max(this.current, this.ceiling - 0.5);
    }
    this.current = next;
    return true;
  }
}

/** Answer times of this many recent calls are kept; the margin is worked out again every RTT_EVERY. */
const RTT_SAMPLES = 200;
const RTT_EVERY = 50;
/** A first estimate this early (Herald's start-up calls give it). */
const RTT_FIRST = 8;

/**
 * How far apart sends may arrive closer together, as far as answer times tell: at most half the
 * spread (p5..p95) of round trips, if all of it lay on the way there. Usually it does not (most of a
 * round trip's spread is Telegram's work and the way back), so the gate uses it only as the bound
 * for widening its windows after 429s say arrivals bunched.
 */
export class JitterMeter {
  private readonly rtts: number[] = [];
  private next = 0;
  private sinceUpdate = 0;
  /** Half the p5..p95 spread of recent round trips, within [leastMs, mostMs]. */
  estimateMs: number;
  /**
   * A round trip longer than this is not the network's usual spread but a held-up call (twice the
   * p95): it may have reached Telegram at any moment up to its answer.
   */
  slowMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly leastMs: number,
    private readonly mostMs: number,
  ) {
    this.estimateMs = leastMs;
  }

  note(ms: number): void {
    const { rtts } = this;
    if (rtts.length < RTT_SAMPLES) rtts.push(ms);
    else rtts[this.next] = ms;
    this.next = (this.next + 1) % RTT_SAMPLES;
    const due = rtts.length === RTT_FIRST || (++this.sinceUpdate >= RTT_EVERY && rtts.length >= RTT_FIRST);
    if (!due) return;
    this.sinceUpdate = 0;
    const sorted = [...rtts].sort((a, b) => a - b);
    const p = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    this.slowMs = 2 * p(0.95);
    this.estimateMs = Math.min(this.mostMs, Math.max(this.leastMs, Math.ceil((p(0.95) - p(0.05)) / 2)));
  }
}

/**
 * The margin added to the bulk lanes' windows. A 429 on a rate lane says Telegram counted more in a
 * second than we sent in ours: either its limit is lower (the rate goes down) or our sends arrived
 * bunched. While the answer times show jitter that could bunch them, the margin widens first, a step
 * per episode: the spread of round trips is mostly Telegram's work and the way back, so widening to
 * all of it at once would cost up to a seventh of the speed where no arrival ever bunched. Like the
 * rate, it finds its way back while sending goes well.
 */
export class JitterMargin {
  current: number;
  private readonly meter: JitterMeter;
  /** When it was last widened: 429s of calls sent before then belong to that episode. */
  private widenedAt = Number.NEGATIVE_INFINITY;
  private narrowedAt = Number.NEGATIVE_INFINITY;
  /** The last 429 the lane answered to (a widening or a rate cut): calm is counted from it. */
  private episodeAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly least: number,
    most: number,
    private readonly step: number,
    private readonly calmMs: number,
  ) {
    this.current = least;
    this.meter = new JitterMeter(least, most);
  }

  noteRoundTrip(ms: number): void {
    this.meter.note(ms);
  }

  /** A round trip longer than this may have reached Telegram at any moment up to its answer. */
  get slowMs(): number {
    return Math.max(this.current, this.meter.slowMs);
  }

  /** A 429 for a call sent before the last widening is part of that episode. */
  episodeOf(sentAt: number): boolean {
    return sentAt < this.widenedAt;
  }

  /** The lane answered a 429 some other way (a rate cut): no narrowing for a calm spell from now. */
  noteEpisode(now: number): void {
    this.episodeAt = now;
  }

  /** Widens by a step as far as the measured jitter allows; false if it cannot. */
  widen(now: number): boolean {
    this.episodeAt = now;
    if (this.meter.estimateMs < this.current + 5) return false;
    this.current = Math.min(this.meter.estimateMs, this.current + this.step);
    this.widenedAt = now;
    return true;
  }

  /** Narrows by a step after a calm spell; true if it changed. */
  narrow(now: number): boolean {
    const calmSince = Math.max(this.widenedAt, this.narrowedAt, this.episodeAt);
    if (this.current <= this.least || now - calmSince < this.calmMs) return false;
    this.current = Math.max(this.least, this.current - this.step);
    this.narrowedAt = now;
    return true;
  }
}
