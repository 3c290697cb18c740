import { SandboxError } from "./errors.js";
import type { FloodModel } from "./flood.js";
import { createLatencyPicker, LATENCY_SPLITS, MODEL_LATENCY } from "./latency.js";
import { createRandom } from "./random.js";
import type { Faults, FloodLimits, FloodModelName, Latency, OutageMode, OutageOptions } from "./types.js";

export const DEFAULT_FAULTS: Faults = { errorRate: 0, slowRate: 0, slowMs: 2000, dropRate: 0 };
export const OUTAGE_MODES: readonly OutageMode[] = ["5xx", "hang", "lost"];
/** A call hung by an outage is cut this long after the outage ends: the client's own timeout should fire first. */
const DEFAULT_HANG_EXTRA_MS = 3000;
const MAX_OUTAGE_SECONDS = 3600;

export type Fault = "error" | "slow" | "drop-before" | "drop-after" | undefined;

function validateShare(name: string, v: number): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new SandboxError(400, `${name} must be a number between 0 and 1, got ${String(v)}`);
  }
}

function validateMs(name: string, v: number): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new SandboxError(400, `${name} must be a number of milliseconds >= 0, got ${String(v)}`);
  }
}

/** RangeErrors from the flood model are the caller's mistake: answered as 400. */
function asSandboxError(set: () => void): void {
  try {
    set();
  } catch (err) {
    if (err instanceof RangeError) throw new SandboxError(400, err.message);
    throw err;
  }
}

export type Conditions = ReturnType<typeof createConditions>;

/**
 * The network the sandbox plays: faults, latency and outages, each drawn from its own seeded stream,
 * plus the flood model's settings (switching the model switches its default latency).
 */
export function createConditions(flood: FloodModel, seed: number) {
  const faults: Faults = { ...DEFAULT_FAULTS };
  const latency: Latency = { ...MODEL_LATENCY[flood.model] };
  // Until latency is set explicitly it follows the model.
  let latencyExplicit = false;
  // Separate streams so changing latency settings does not reshuffle which calls fail.
  const faultRandom = createRandom(seed);
  const pickLatency = createLatencyPicker(seed ^ 0x9e3779b9);
  const outageRandom = createRandom(seed ^ 0x07a6e5);
  let outageEndsAt = 0;
  let outageModes: readonly OutageMode[] = OUTAGE_MODES;
  let hangExtraMs = DEFAULT_HANG_EXTRA_MS;

  const setFaults = (f: Partial<Faults>): void => {
    const next = { ...faults, ...f };
    validateShare("errorRate", next.errorRate);
    validateShare("slowRate", next.slowRate);
    validateShare("dropRate", next.dropRate);
    validateMs("slowMs", next.slowMs);
    Object.assign(faults, next);
  };
  const setLatency = (l: Partial<Latency>): void => {
    const next = { ...latency, ...l };
    validateMs("minMs", next.minMs);
    validateMs("maxMs", next.maxMs);
    if (next.maxMs < next.minMs) throw new SandboxError(400, "latency maxMs must be >= minMs");
    if (next.split !== undefined && !LATENCY_SPLITS.includes(next.split)) {
      throw new SandboxError(
        400,
        `latency split must be one of ${LATENCY_SPLITS.join(", ")}, got ${String(next.split)}`,
      );
    }
    Object.assign(latency, next);
    latencyExplicit = true;
  };
  const setModel = (model: FloodModelName, opts: { hiddenRate?: number } = {}): void => {
    asSandboxError(() => flood.setModel(model, opts));
    if (!latencyExplicit) Object.assign(latency, MODEL_LATENCY[model]);
  };
  const startOutage = (seconds: number, opts: OutageOptions = {}): void => {
    if (
      typeof seconds !== "number" ||
      !Number.isFinite(seconds) ||
      seconds <= 0 ||
      seconds > MAX_OUTAGE_SECONDS
    ) {
      throw new SandboxError(
        400,
        `outage seconds must be a number > 0 and <= ${MAX_OUTAGE_SECONDS}, got ${String(seconds)}`,
      );
    }
    const modes = opts.modes ?? OUTAGE_MODES;
    if (!Array.isArray(modes) || modes.length === 0 || !modes.every((m) => OUTAGE_MODES.includes(m))) {
      throw new SandboxError(400, `outage modes must be a non-empty list of ${OUTAGE_MODES.join(", ")}`);
    }
    if (opts.hangExtraMs !== undefined) validateMs("hangExtraMs", opts.hangExtraMs);
    outageModes = [...modes];
    hangExtraMs = opts.hangExtraMs ?? DEFAULT_HANG_EXTRA_MS;
    outageEndsAt = Math.max(outageEndsAt, Date.now() + seconds * 1000);
  };

  return {
    faults,
    latency,
    setFaults,
    setLatency,
    setModel,
    setLimits: (l: Partial<FloodLimits>): void => asSandboxError(() => flood.setLimits(l)),
    startOutage,
    endOutage(): void {
      outageEndsAt = 0;
    },
    /** Real-time ms when the current outage ends (0: none). */
    outageEndsAt: (): number => outageEndsAt,
    hangExtraMs: (): number => hangExtraMs,
    pickFault(): Fault {
      // Always draw twice so the sequence of faults depends only on the seed and the call order.
      const r = faultRandom();
      const half = faultRandom();
      if (r < faults.errorRate) return "error";
      if (r < faults.errorRate + faults.dropRate) return half < 0.5 ? "drop-before" : "drop-after";
      if (r < faults.errorRate + faults.dropRate + faults.slowRate) return "slow";
      return undefined;
    },
    drawLatency: () => pickLatency(latency, flood.model === "jitter"),
    /** The way this call fails if an outage is under way (real time, like latency). */
    pickOutage(): OutageMode | undefined {
      if (Date.now() >= outageEndsAt) return undefined;
      return outageModes[Math.floor(outageRandom() * outageModes.length)] ?? "5xx";
    },
    /** Which 5xx an outage answers: drawn from the outage stream. */
    outageStatusIs500: (): boolean => outageRandom() < 0.5,
  };
}
