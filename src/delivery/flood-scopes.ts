import type { Logger } from "../logger.js";
import type { FloodClosureStore } from "./flood-closures.js";
import {
  BULK_BLAME_SHARE,
  CHAT_LIMIT,
  CHAT_MARGIN_MS,
  CHAT_WINDOW_MS,
  CLOSE_MARGIN_MS,
  GROUP_LIMIT,
  GROUP_WINDOW_MS,
  JITTER_MARGIN_MS,
  JITTER_NARROW_AFTER_MS,
  JITTER_STEP_MS,
  MAX_JITTER_MS,
  PRUNE_AT,
  PRUNE_EVERY_MS,
  REPLY_EXEMPT_MS,
} from "./flood-limits.js";
import { AdaptiveRate, JitterMargin } from "./flood-rate.js";
import { SlidingWindow, UnansweredCalls } from "./flood-window.js";

/**
 * The flood gate's book of scopes: which limits a call counts against, when each lets the next call
 * go, what a 429 closes and for how long, and how the bulk lanes' rate and jitter margin adapt. Plain
 * arithmetic on time; the gate's queues and the calls on the wire live in flood-gate.ts.
 */

/** Where a 429 is counted: the bot's bulk lanes, a private chat, a group, any other method. */
export type ScopeKind = "bulk" | "paid" | "chat" | "group" | "other";

/** What a call costs, as far as scopes go. */
export interface ScopedRequest {
  lane: "reply" | "transactional" | "bulk";
  method: string;
  chatId?: number;
  kind: "message" | "edit" | "other";
  paid?: boolean;
}

export interface Scope {
  key: string;
  kind: ScopeKind;
  window: SlidingWindow | undefined;
  closedUntil: number;
  /** GCRA smoothing: the theoretical time of the next send, and how early one may go. */
  tat: number;
  spacingMs: number;
  toleranceMs: number;
  adaptive: AdaptiveRate | undefined;
  /** A rate lane's calls on the wire: those sent before its window still count until answered. */
  unanswered: UnansweredCalls | undefined;
  lastUsed: number;
}

/** A call on the wire, as the scopes see it: settled with `answered`. */
export interface ScopedCall {
  answered(now: number, outcome: "answer" | "error"): void;
}

export interface FloodScopesOptions {
  rate: number;
  paidRate: number;
  jitterMarginMs?: number;
  closures?: FloodClosureStore;
  logger?: Logger;
}

function newScope(key: string, kind: ScopeKind, window?: SlidingWindow): Scope {
  return {
    key,
    kind,
    window,
    closedUntil: 0,
    tat: 0,
    spacingMs: 0,
    toleranceMs: 0,
    adaptive: undefined,
    unanswered: undefined,
    lastUsed: 0,
  };
}

export class FloodScopes {
  readonly bulk: Scope;
  readonly paid: Scope;
  /** 429s seen, by the kind of scope they were counted against, and the bulk lanes' rate cuts. */
  readonly floods: Record<ScopeKind, number> = { bulk: 0, paid: 0, chat: 0, group: 0, other: 0 };
  rateDecreases = 0;
  private readonly scopes = new Map<string, Scope>();
  private readonly exemptUntil = new Map<number, number>();
  private readonly margin: JitterMargin;
  private lastPrune = 0;

  constructor(
    private readonly options: FloodScopesOptions,
    now: number,
  ) {
    const least = options.jitterMarginMs ?? JITTER_MARGIN_MS;
    this.margin = new JitterMargin(least, MAX_JITTER_MS, JITTER_STEP_MS, JITTER_NARROW_AFTER_MS);
    this.bulk = this.rateScope("bulk", options.rate);
    this.paid = this.rateScope("paid", options.paidRate);
    for (const closure of options.closures?.load(now) ?? []) {
      const scope = this.scopeOfKey(closure.scope);
      if (!scope) continue;
      scope.closedUntil = Math.max(scope.closedUntil, closure.closedUntil);
      if (scope.spacingMs > 0) scope.tat = Math.max(scope.tat, scope.closedUntil);
    }
  }

  /** The scopes a call counts against, now. */
  of(request: ScopedRequest, now: number): Scope[] {
    const { chatId } = request;
    if (request.kind === "other" || chatId === undefined)
      return [this.scopeFor(`method:${request.method}`, "other")];
    const list: Scope[] = [
      chatId > 0 ? this.chatScope(`chat:${chatId}`) : this.groupScope(`group:${chatId}`),
    ];
    if (request.kind === "message") {
      // Only a reply claims the exemption: a broadcast or a ticket to someone who happens to have
      // written is still bulk, whatever Telegram's counter makes of it.
      const exempt = request.lane === "reply" && chatId > 0 && (this.exemptUntil.get(chatId) ?? 0) > now;
      if (!exempt) list.push(request.paid ? this.paid : this.bulk);
    }
    return list;
  }

  /** When the scope lets the next call go (>= now). */
  readyAt(scope: Scope, now: number): number {
    let at = scope.closedUntil > now ? scope.closedUntil : now;
    const window = scope.window;
    if (window) {
      const held = scope.unanswered ? scope.unanswered.heldBefore(now - window.windowMs) : 0;
      at = Math.max(at, window.nextFree(now, held));
    }
    if (scope.spacingMs > 0) at = Math.max(at, scope.tat - scope.toleranceMs);
    return at;
  }

  /** A call goes on the wire now, counting against `list`. */
  send(list: Scope[], now: number, timed = true): ScopedCall {
    for (const scope of list) this.consume(scope, now);
    const rateLane = list.find((scope) => scope.unanswered);
    const entry = rateLane?.unanswered?.add(now);
    return {
      answered: (at, outcome) => {
        const window = rateLane?.window;
        if (entry && window && rateLane?.unanswered) {
          // Answered within the margin, it arrived within it too: the window as sent covered it.
          const slowMs = Math.min(window.windowMs, this.margin.slowMs);
          if (rateLane.unanswered.answer(entry, at, slowMs)) window.record(at);
        }
        // Only a rate lane's ordinary messages tell the network's spread (not uploads, not other calls).
        if (outcome === "answer" && entry && timed) this.margin.noteRoundTrip(at - now);
      },
    };
  }

  /**
   * A 429 for a call sent at `sentAt` that counted against `list`: closes the scopes it is blamed on
   * for retry_after and a margin, and adapts the bulk lanes.
   */
  closeAfterFlood(list: Scope[], retryAfterS: number, sentAt: number, now: number): void {
    const until = now + retryAfterS * 1000 + CLOSE_MARGIN_MS;
    const blamed = this.blame(list, sentAt);
    for (const scope of blamed) {
      // A chat's scope pruned while this call was on the wire comes back, closed.
      if (!this.scopes.has(scope.key)) this.scopes.set(scope.key, scope);
      scope.closedUntil = Math.max(scope.closedUntil, until);
      this.saveClosure(scope);
      // Start again from an even pace after the wait, not with a burst.
      if (scope.spacingMs > 0) scope.tat = Math.max(scope.tat, scope.closedUntil);
      if (scope.adaptive) this.adapt(scope, retryAfterS, sentAt, now);
    }
    const counted = blamed.find((s) => s.kind === "bulk" || s.kind === "paid") ?? blamed[0];
    this.floods[counted?.kind ?? "other"]++;
    if (!blamed.some((s) => s.adaptive)) {
      this.options.logger?.warn(
        { scopes: blamed.map((s) => s.key), retryAfterS },
        "flood limit: scope closed",
      );
    }
  }

  /** The bulk (or paid) rate in use, messages per second as sent; 0 = no limit. */
  effectiveRate(isPaid = false): number {
    const scope = isPaid ? this.paid : this.bulk;
    if (!scope.adaptive || !scope.window) return 0;
    return Math.round((scope.window.limit * 10_000) / scope.window.windowMs) / 10;
  }

  noteUserUpdate(chatId: number, at: number, now: number): void {
    if (chatId <= 0) return;
    if (this.exemptUntil.size > PRUNE_AT) {
      for (const [chat, until] of this.exemptUntil) if (until <= now) this.exemptUntil.delete(chat);
    }
    const until = at + REPLY_EXEMPT_MS;
    if (until > (this.exemptUntil.get(chatId) ?? 0)) this.exemptUntil.set(chatId, until);
  }

  /** Forgets chats whose window has emptied (a broadcast touches each recipient's chat once). */
  prune(now: number): void {
    if (this.scopes.size <= PRUNE_AT || now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    for (const [key, scope] of this.scopes) {
      if (scope.adaptive || scope.closedUntil > now) continue;
      if (now - scope.lastUsed > (scope.window?.windowMs ?? 0)) this.scopes.delete(key);
    }
    for (const [chat, until] of this.exemptUntil) if (until <= now) this.exemptUntil.delete(chat);
  }

  private rateScope(key: "bulk" | "paid", rate: number): Scope {
    const scope = newScope(key, key);
    if (rate > 0) {
      scope.adaptive = new AdaptiveRate(rate);
      scope.unanswered = new UnansweredCalls();
    }
    this.applyRate(scope);
    this.scopes.set(key, scope);
    return scope;
  }

  /** The window holds floor(rate) sends per (1 s + jitter); sends are spaced evenly within it. */
  private applyRate(scope: Scope): void {
    const adaptive = scope.adaptive;
    if (!adaptive) return;
    const limit = Math.max(1, Math.floor(adaptive.current));
    const windowMs = 1000 + this.margin.current;
    if (scope.window) {
      scope.window.resize(limit);
      scope.window.windowMs = windowMs;
    } else scope.window = new SlidingWindow(limit, windowMs);
    scope.spacingMs = windowMs / limit;
    // At high rates timers cannot keep a 1 ms rhythm: allow catching up by a few sends.
    scope.toleranceMs = scope.spacingMs * Math.max(0.5, limit / 50);
  }

  private applyRates(): void {
    this.applyRate(this.bulk);
    this.applyRate(this.paid);
  }

  /** The scope of a chat, a group or a method, made on first use (pruned once its window has emptied). */
  private scopeFor(key: string, kind: ScopeKind, window?: { limit: number; windowMs: number }): Scope {
    let scope = this.scopes.get(key);
    if (!scope) {
      const margin = Math.max(CHAT_MARGIN_MS, this.margin.current);
      scope = newScope(key, kind, window && new SlidingWindow(window.limit, window.windowMs + margin));
      this.scopes.set(key, scope);
    }
    return scope;
  }

  private chatScope(key: string): Scope {
    return this.scopeFor(key, "chat", { limit: CHAT_LIMIT, windowMs: CHAT_WINDOW_MS });
  }

  private groupScope(key: string): Scope {
    return this.scopeFor(key, "group", { limit: GROUP_LIMIT, windowMs: GROUP_WINDOW_MS });
  }

  /** A scope from its key as stored (`bulk`, `chat:<id>`, …); undefined for a key this gate does not make. */
  private scopeOfKey(key: string): Scope | undefined {
    if (key === this.bulk.key) return this.bulk;
    if (key === this.paid.key) return this.paid;
    const colon = key.indexOf(":");
    const [kind, rest] = [key.slice(0, colon), key.slice(colon + 1)];
    if (kind === "chat" && /^\d+$/.test(rest)) return this.chatScope(key);
    if (kind === "group" && /^-\d+$/.test(rest)) return this.groupScope(key);
    if (kind === "method" && rest !== "") return this.scopeFor(key, "other");
    return undefined;
  }

  private consume(scope: Scope, now: number): void {
    scope.window?.record(now);
    if (scope.spacingMs > 0) scope.tat = Math.max(scope.tat, now) + scope.spacingMs;
    scope.lastUsed = now;
    const window = scope.window;
    if (!scope.adaptive || !window) return;
    const busy = window.countAt(now) >= window.limit * 0.8;
    if (scope.adaptive.raise(now, busy)) this.applyRate(scope);
    // A 429 from one bunched second must not cost speed for the rest of the day.
    if (busy && this.margin.narrow(now)) this.applyRates();
  }

  /**
   * Telegram does not say which limit it was. The chat's or group's own scope always closes; the
   * bulk lane only if it was busy enough to be the cause (a dialog's 429 in a quiet hour must not
   * stall a broadcast, nor lower its rate). Closing too much is safe; too little is a penalty. A chat
   * (or group) not near its own limit cannot be over it: then the 429 is the bulk lane's.
   */
  private blame(list: Scope[], sentAt: number): Scope[] {
    const narrow = list.find((s) => s.kind === "chat" || s.kind === "group");
    const narrowBusy =
      narrow?.window !== undefined && narrow.window.countAt(sentAt) >= Math.max(2, narrow.window.limit - 1);
    return list.filter((scope) => {
      if (!scope.adaptive || !narrowBusy || !scope.window) return true;
      return scope.window.countAt(sentAt) >= scope.window.limit * BULK_BLAME_SHARE;
    });
  }

  /** A bulk lane's 429: the margin widens first while jitter could explain it, then the rate goes down. */
  private adapt(scope: Scope, retryAfterS: number, sentAt: number, now: number): void {
    if (this.margin.episodeOf(sentAt) || scope.adaptive?.episodeOf(sentAt)) return;
    const logger = this.options.logger;
    if (this.margin.widen(now)) {
      this.applyRates();
      logger?.warn(
        {
          scope: scope.key,
          retryAfterS,
          jitterMs: this.margin.current,
          rate: this.effectiveRate(scope === this.paid),
        },
        "flood limit: scope closed, jitter margin widened",
      );
      return;
    }
    if (!scope.adaptive?.lower(sentAt, now)) return;
    this.margin.noteEpisode(now);
    this.applyRate(scope);
    this.rateDecreases++;
    logger?.warn(
      { scope: scope.key, retryAfterS, rate: this.effectiveRate(scope === this.paid) },
      "flood limit: scope closed, rate lowered",
    );
  }

  private saveClosure(scope: Scope): void {
    const store = this.options.closures;
    if (!store) return;
    try {
      store.save({ scope: scope.key, closedUntil: scope.closedUntil });
    } catch (error) {
      // The closure still holds in memory; only a restart within it would not know.
      this.options.logger?.error(
        { err: error, scope: scope.key },
        "flood gate: could not store a closed scope",
      );
    }
  }
}
