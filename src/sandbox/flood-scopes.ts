import type { FloodRefusal, FloodScope } from "./flood.js";
import type { Gate } from "./flood-gates.js";
import type { SandboxClock, ViolationKind } from "./types.js";

/** How far back a request's send time may lie behind its arrival; older 429 answers are forgotten. */
const MEMORY_MS = 120_000;

/** A 429 answer the client received: it was told to keep away from its delivery until `until`. */
interface Told {
  deliveredAt: number;
  /** Requests received up to this number were already on their way when it was delivered. */
  deliveredSeq: number | undefined;
  until: number;
  waitS: number;
}

interface ScopeState {
  /** Nothing of this scope is admitted before this (a limit refusal or a penalty closed it). */
  closedUntil: number;
  /** Delivered 429 answers, in delivery order (so by deliveredAt). */
  told: Told[];
}

export const violationOf = (scope: FloodScope): ViolationKind =>
  scope === "chat" ? "perChat" : scope === "group" ? "group" : "bulk";

const sentAfter = (t: Told, sentAt: number, receivedSeq: number | undefined): boolean =>
  receivedSeq !== undefined && t.deliveredSeq !== undefined
    ? receivedSeq > t.deliveredSeq
    : sentAt >= t.deliveredAt;

export type Scopes = ReturnType<typeof createScopes>;

/** Closed scopes and the 429 answers their clients received: what makes a later send a penalty. */
export function createScopes(clock: SandboxClock) {
  const scopes = new Map<string, ScopeState>();

  const scopeOf = (key: string): ScopeState => {
    let s = scopes.get(key);
    if (!s) {
      s = { closedUntil: 0, told: [] };
      scopes.set(key, s);
    }
    return s;
  };

  /** The longest wait among delivered 429 answers that this send ignored; 0 = none (not a penalty). */
  const ignoredWait = (key: string, sentAt: number, receivedSeq: number | undefined): number => {
    const s = scopes.get(key);
    if (!s) return 0;
    let waitS = 0;
    for (let i = s.told.length - 1; i >= 0; i--) {
      const t = s.told[i];
      if (!t || !sentAfter(t, sentAt, receivedSeq)) continue;
      if (sentAt < t.until) waitS = Math.max(waitS, t.waitS);
    }
    return waitS;
  };

  const refuse = (
    gate: Gate,
    waitS: number,
    now: number,
    violation: ViolationKind | null,
    closes: boolean,
  ): FloodRefusal => {
    const until = now + waitS * 1000;
    if (closes) {
      const s = scopeOf(gate.key);
      s.closedUntil = Math.max(s.closedUntil, until);
    }
    let delivered = false;
    return {
      ok: false,
      scope: gate.scope,
      retryAfter: waitS,
      violation,
      delivered(at = clock.now(), seq) {
        if (delivered) return;
        delivered = true;
        const s = scopeOf(gate.key);
        const last = s.told.at(-1);
        // 429 storms stay small. An answer that tells no more than the previous one adds nothing; one
        // with the same wait that arrives while the previous is still in force extends it exactly
        // (every send between the two deliveries is covered by the previous one anyway).
        if (last && last.until >= until && last.waitS >= waitS) return;
        if (last && last.waitS === waitS && Math.max(at, last.deliveredAt) < last.until) {
          last.until = until;
          return;
        }
        s.told.push({
          deliveredAt: Math.max(at, last?.deliveredAt ?? at),
          deliveredSeq: seq === undefined ? undefined : Math.max(seq, last?.deliveredSeq ?? seq),
          until,
          waitS,
        });
      },
    };
  };

  return {
    ignoredWait,
    refuse,
    /** Until when this scope is closed (0: open). */
    closedUntil: (key: string): number => scopes.get(key)?.closedUntil ?? 0,
    clear: (): void => scopes.clear(),
    sweep(now: number): void {
      for (const [key, s] of scopes) {
        s.told = s.told.filter((t) => t.until > now - MEMORY_MS);
        if (s.told.length === 0 && s.closedUntil <= now) scopes.delete(key);
      }
    },
  };
}
