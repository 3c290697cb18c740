import { describe, expect, it } from "vitest";
import {
  createFloodModel,
  type FloodDecision,
  type FloodModelName,
  type FloodRefusal,
  type FloodRequest,
} from "../../src/sandbox/index.js";
import { fakeClock } from "./helpers.js";

const T0 = 1_700_000_000_000;
const BOT = 123456789;
const GROUP = -1001000000001;
const privateMsg = (chatId: number, extra: Partial<FloodRequest> = {}): FloodRequest => ({
  botId: BOT,
  chatId,
  chatType: "private",
  kind: "message",
  ...extra,
});
const groupMsg = (extra: Partial<FloodRequest> = {}): FloodRequest => ({
  botId: BOT,
  chatId: GROUP,
  chatType: "supergroup",
  kind: "message",
  ...extra,
});

function refusal(d: FloodDecision): FloodRefusal {
  if (d.ok) throw new Error("expected a refusal, got admission");
  return d;
}

function refused(d: FloodDecision): { scope: string; retryAfter: number } {
  const r = refusal(d);
  return { scope: r.scope, retryAfter: r.retryAfter };
}

/** A refusal whose answer reached the client at once. */
function told(d: FloodDecision): FloodRefusal {
  const r = refusal(d);
  r.delivered();
  return r;
}

describe("bucket model", () => {
  it("refuses past the bulk limit and admits again after retry_after (strict is the default)", () => {
    const clock = fakeClock(T0);
    expect(createFloodModel({ clock }).model).toBe("strict");
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 30 }, model: "bucket" });
    expect(flood.model).toBe("bucket");
    for (let i = 0; i < 30; i++) expect(flood.admit(privateMsg(1000 + i)).ok).toBe(true);
    const r = told(flood.admit(privateMsg(2000)));
    expect([r.scope, r.retryAfter, r.violation]).toEqual(["bulk", 1, "bulk"]);
    clock.advance(r.retryAfter * 1000);
    expect(flood.admit(privateMsg(2000)).ok).toBe(true);
  });

  it("sustains exactly the bulk rate once the burst is spent", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 10 }, model: "bucket" });
    let admitted = 0;
    let chat = 1;
    // 10 s of one attempt every 10 ms, each to a fresh chat: burst of 10 plus 10/s.
    for (let step = 0; step < 1000; step++) {
      const d = flood.admit(privateMsg(chat));
      if (d.ok) {
        admitted++;
        chat++;
      } else {
        d.delivered();
        clock.advance(d.retryAfter * 1000);
      }
      clock.advance(10);
    }
    expect(admitted).toBeGreaterThan(10);
    const elapsedS = (clock.now() - T0) / 1000;
    expect(admitted).toBeLessThanOrEqual(10 + Math.ceil(elapsedS * 10));
  });

  it("refused requests consume no tokens", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({
      clock,
      limits: { bulkPerSecond: 2, chatBurst: 100, chatPerSecond: 100 },
      model: "bucket",
    });
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(flood.admit(privateMsg(1)).ok).toBe(false);
    clock.advance(1000);
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(flood.admit(privateMsg(1)).ok).toBe(false);
  });

  it("allows a per-chat burst, then one message per second", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "bucket" });
    for (let i = 0; i < 3; i++) expect(flood.admit(privateMsg(42)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(42)))).toEqual({ scope: "chat", retryAfter: 1 });
    // Other chats are unaffected.
    expect(flood.admit(privateMsg(43)).ok).toBe(true);
    clock.advance(1000);
    expect(flood.admit(privateMsg(42)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(42))).scope).toBe("chat");
    clock.advance(1000);
    expect(flood.admit(privateMsg(42)).ok).toBe(true);
  });

  it("lets paid broadcasts go far beyond the bulk limit and keeps buckets apart", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "bucket" });
    let paid = 0;
    for (let i = 0; i < 1200; i++) if (flood.admit(privateMsg(10_000 + i, { paid: true })).ok) paid++;
    expect(paid).toBe(1000);
    const r = refusal(flood.admit(privateMsg(20_000, { paid: true })));
    expect([r.scope, r.violation]).toEqual(["paid", "bulk"]);
    // The free bulk bucket was never touched.
    for (let i = 0; i < 30; i++) expect(flood.admit(privateMsg(30_000 + i)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(40_000))).scope).toBe("bulk");
  });

  it("treats 0 as no limit and validates new limits", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({
      clock,
      limits: { bulkPerSecond: 0, chatPerSecond: 0 },
      model: "bucket",
    });
    for (let i = 0; i < 500; i++) expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(() => flood.setLimits({ bulkPerSecond: -1 })).toThrow(RangeError);
    flood.setLimits({ bulkPerSecond: 5 });
    expect(flood.limits.bulkPerSecond).toBe(5);
  });
});

describe("strict model", () => {
  it("holds the bulk limit in any sliding second, not on average", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict", limits: { bulkPerSecond: 30 } });
    for (let i = 0; i < 15; i++) expect(flood.admit(privateMsg(1000 + i)).ok).toBe(true);
    clock.advance(500);
    for (let i = 0; i < 15; i++) expect(flood.admit(privateMsg(2000 + i)).ok).toBe(true);
    // A bucket would have refilled 15 tokens by now; the window still holds 30 arrivals.
    clock.advance(499);
    const r = refusal(flood.admit(privateMsg(3000)));
    expect([r.scope, r.retryAfter, r.violation]).toEqual(["bulk", 1, "bulk"]);
    // The scope stays closed for the announced second; by then both batches have left the window.
    clock.advance(999);
    expect(refusal(flood.admit(privateMsg(3001))).violation).toBe(null);
    clock.advance(1);
    for (let i = 0; i < 30; i++) expect(flood.admit(privateMsg(4000 + i)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(5000))).scope).toBe("bulk");
  });

  it("never admits more than the limit in any window for a client that keeps trying", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict", limits: { bulkPerSecond: 10 } });
    const admitted: number[] = [];
    let chat = 1;
    for (let step = 0; step < 2000; step++) {
      const d = flood.admit(privateMsg(chat));
      if (d.ok) {
        admitted.push(clock.now());
        chat++;
      } else {
        d.delivered();
        clock.advance(d.retryAfter * 1000);
      }
      clock.advance(3 + (step % 7));
    }
    for (let i = 10; i < admitted.length; i++) {
      expect((admitted[i] ?? 0) - (admitted[i - 10] ?? 0)).toBeGreaterThanOrEqual(1000);
    }
    expect(admitted.length).toBeGreaterThan(100);
  });

  it("allows chatBurst messages per chat in any window of chatBurst / chatPerSecond seconds", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict" });
    for (let i = 0; i < 3; i++) expect(flood.admit(privateMsg(42)).ok).toBe(true);
    const r = refusal(flood.admit(privateMsg(42)));
    expect([r.scope, r.retryAfter, r.violation]).toEqual(["chat", 3, "perChat"]);
    expect(flood.admit(privateMsg(43)).ok).toBe(true);
    clock.advance(3000);
    // One a second is sustainable: each leaves the 3 s window as the next one comes.
    for (let i = 0; i < 5; i++) {
      expect(flood.admit(privateMsg(42)).ok).toBe(true);
      clock.advance(1000);
    }
  });

  it("limits a group to 20 messages in any 60 s", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict" });
    for (let i = 0; i < 20; i++) {
      expect(flood.admit(groupMsg()).ok).toBe(true);
      clock.advance(1000);
    }
    // The first of the 20 leaves the window 60 s after it was sent, i.e. 40 s from now.
    const r = refusal(flood.admit(groupMsg()));
    expect([r.scope, r.retryAfter, r.violation]).toEqual(["group", 40, "group"]);
    clock.advance(40_000);
    expect(flood.admit(groupMsg()).ok).toBe(true);
    // Edits share the group's window.
    expect(refused(flood.admit(groupMsg({ kind: "edit" }))).scope).toBe("group");
  });

  it("windows paid sends separately from bulk", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict", limits: { paidPerSecond: 100 } });
    for (let i = 0; i < 100; i++) expect(flood.admit(privateMsg(10_000 + i, { paid: true })).ok).toBe(true);
    expect(refusal(flood.admit(privateMsg(20_000, { paid: true }))).scope).toBe("paid");
    for (let i = 0; i < 30; i++) expect(flood.admit(privateMsg(30_000 + i)).ok).toBe(true);
    expect(refusal(flood.admit(privateMsg(40_000))).scope).toBe("bulk");
  });

  it.each<FloodModelName>(["strict", "bucket", "hidden", "jitter"])(
    "%s: replies to users who wrote within the window skip bulk, not the chat limit",
    (model) => {
      const clock = fakeClock(T0);
      const flood = createFloodModel({ clock, model, limits: { bulkPerSecond: 1 }, hiddenRate: 1 });
      expect(flood.admit(privateMsg(1)).ok).toBe(true);
      expect(refused(flood.admit(privateMsg(2))).scope).toBe("bulk");
      clock.advance(1000);
      flood.noteUserUpdate(BOT, 3);
      flood.noteUserUpdate(BOT, 4);
      flood.noteUserUpdate(BOT, 5);
      expect(flood.admit(privateMsg(2)).ok).toBe(true);
      for (const chat of [3, 4, 5])
        expect(flood.admit(privateMsg(chat))).toEqual({ ok: true, replyExempt: true });
      flood.admit(privateMsg(3));
      flood.admit(privateMsg(3));
      expect(refused(flood.admit(privateMsg(3))).scope).toBe("chat");
      // After the window the exemption ends.
      clock.advance(5001);
      expect(flood.admit(privateMsg(4)).ok).toBe(true);
      expect(refused(flood.admit(privateMsg(5))).scope).toBe("bulk");
    },
  );

  it.each<FloodModelName>(["strict", "bucket"])("%s: edits count only against the chat limit", (model) => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model, limits: { bulkPerSecond: 1 } });
    for (let i = 0; i < 3; i++) expect(flood.admit(privateMsg(7, { kind: "edit" })).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(7, { kind: "edit" }))).scope).toBe("chat");
    expect(flood.admit(privateMsg(8)).ok).toBe(true);
  });
});

describe("hidden model", () => {
  it("enforces the hidden bulk rate, below the nominal one", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({
      clock,
      model: "hidden",
      hiddenRate: 24,
      limits: { bulkPerSecond: 30 },
    });
    expect([flood.limits.bulkPerSecond, flood.hiddenRate]).toEqual([30, 24]);
    for (let i = 0; i < 24; i++) expect(flood.admit(privateMsg(1000 + i)).ok).toBe(true);
    const r = refusal(flood.admit(privateMsg(2000)));
    expect([r.scope, r.retryAfter, r.violation]).toEqual(["bulk", 1, "bulk"]);
    clock.advance(1000);
    for (let i = 0; i < 24; i++) expect(flood.admit(privateMsg(3000 + i)).ok).toBe(true);
    expect(flood.admit(privateMsg(4000)).ok).toBe(false);
  });

  it("defaults to 80 % of the nominal rate and validates", () => {
    const flood = createFloodModel({ model: "hidden", limits: { bulkPerSecond: 30 } });
    expect(flood.hiddenRate).toBe(24);
    expect(() => flood.setModel("hidden", { hiddenRate: 0 })).toThrow(RangeError);
    expect(() => flood.setModel("nope" as FloodModelName)).toThrow(RangeError);
    flood.setModel("hidden", { hiddenRate: 12.5 });
    expect(flood.hiddenRate).toBe(12.5);
  });

  it("switching models starts the windows afresh", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict", limits: { bulkPerSecond: 2 } });
    flood.admit(privateMsg(1));
    flood.admit(privateMsg(2));
    expect(flood.admit(privateMsg(3)).ok).toBe(false);
    flood.setModel("bucket");
    expect(flood.model).toBe("bucket");
    expect(flood.admit(privateMsg(3)).ok).toBe(true);
  });
});

describe("penalties by send time", () => {
  /** Bucket of 10/s: after 10 sends at T0 an 11th is refused with retry_after 1 (scope closed until T0+1000). */
  function closedAtT0(model: FloodModelName = "bucket") {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model, limits: { bulkPerSecond: 10 } });
    for (let i = 0; i < 10; i++) flood.admit(privateMsg(100 + i));
    const first = refusal(flood.admit(privateMsg(200)));
    expect([first.retryAfter, first.violation]).toEqual([1, "bulk"]);
    return { clock, flood, first };
  }

  it("refuses a request sent before the 429 was delivered with the remaining wait, as no violation", () => {
    const { clock, flood, first } = closedAtT0();
    clock.advance(20);
    first.delivered(); // at T0+20
    clock.advance(480);
    // Sent at T0+10 (in flight), arrives at T0+500: the bucket holds 5 tokens, the scope is still closed.
    const inFlight = refusal(flood.admit(privateMsg(201, { sentAt: T0 + 10 })));
    expect([inFlight.retryAfter, inFlight.violation]).toEqual([1, null]);
    // Not lengthened: at T0+1000 the scope opens for a well-behaved client.
    clock.advance(500);
    expect(flood.admit(privateMsg(202)).ok).toBe(true);
  });

  it("punishes a request sent after the delivery and before retry_after ended: doubled, refused", () => {
    const { clock, flood, first } = closedAtT0();
    clock.advance(20);
    first.delivered();
    clock.advance(480);
    const penalty = told(flood.admit(privateMsg(201, { sentAt: T0 + 20 })));
    expect([penalty.scope, penalty.retryAfter, penalty.violation]).toEqual(["bulk", 2, "penalty"]);
    // The scope stays closed for the longer wait; only then does a send pass.
    clock.advance(1000);
    expect(refusal(flood.admit(privateMsg(202, { sentAt: T0 + 15 }))).violation).toBe(null);
    clock.advance(1000);
    expect(flood.admit(privateMsg(203)).ok).toBe(true);
  });

  it("counts a send 1 ms before retry_after ended as a penalty even when it arrives after", () => {
    const { clock, flood, first } = closedAtT0("strict");
    first.delivered();
    clock.advance(1001);
    const late = refusal(flood.admit(privateMsg(201, { sentAt: T0 + 999 })));
    expect([late.violation, late.retryAfter]).toEqual(["penalty", 2]);
  });

  it("never punishes when the 429 never reached the client", () => {
    const { clock, flood } = closedAtT0("strict");
    clock.advance(500);
    const r = refusal(flood.admit(privateMsg(201, { sentAt: T0 + 400 })));
    expect(r.violation).not.toBe("penalty");
    expect(r.retryAfter).toBe(1);
    clock.advance(500);
    expect(flood.admit(privateMsg(202)).ok).toBe(true);
  });

  it("doubles on every ignored answer, capped at 60 s; waiting the last one out is enough", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict", limits: { bulkPerSecond: 1 } });
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(told(flood.admit(privateMsg(2))).retryAfter).toBe(1);
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      clock.advance(300);
      const r = told(flood.admit(privateMsg(3 + i)));
      expect(r.violation).toBe("penalty");
      waits.push(r.retryAfter);
    }
    expect(waits).toEqual([2, 4, 8, 16, 32, 60, 60, 60, 60]);
    clock.advance(60_000);
    expect(flood.admit(privateMsg(20)).ok).toBe(true);
  });

  it("keeps scopes apart: a bulk 429 does not make replies, edits or other bots' sends penalties", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "strict", limits: { bulkPerSecond: 1 } });
    flood.admit(privateMsg(1));
    told(flood.admit(privateMsg(2)));
    clock.advance(100);
    flood.noteUserUpdate(BOT, 9);
    expect(flood.admit(privateMsg(9))).toEqual({ ok: true, replyExempt: true });
    expect(flood.admit(privateMsg(1, { kind: "edit" })).ok).toBe(true);
    expect(flood.admit(privateMsg(5, { botId: BOT + 1 })).ok).toBe(true);
    // A chat's 429 concerns that chat only.
    for (let i = 0; i < 2; i++) flood.admit(privateMsg(9));
    const chat = told(flood.admit(privateMsg(9)));
    expect([chat.scope, chat.violation]).toEqual(["chat", "perChat"]);
    clock.advance(900);
    expect(flood.admit(privateMsg(6)).ok).toBe(true);
    clock.advance(100);
    expect(refusal(flood.admit(privateMsg(9))).violation).toBe("penalty");
  });

  it("within one millisecond, the order of receipt against the delivery decides", () => {
    const { flood, first } = closedAtT0("strict");
    // Delivered once the sandbox had read its 7th request; the clock has not moved.
    first.delivered(T0, 7);
    expect(refusal(flood.admit(privateMsg(201, { sentAt: T0, receivedSeq: 7 }))).violation).toBe("bulk");
    expect(refusal(flood.admit(privateMsg(202, { sentAt: T0, receivedSeq: 8 }))).violation).toBe("penalty");
  });

  it("a 429 delivered later than a send is not one that send ignored (jittered answers)", () => {
    const clock = fakeClock(T0);
    const flood = createFloodModel({ clock, model: "jitter", limits: { bulkPerSecond: 1 } });
    flood.admit(privateMsg(1));
    const slowAnswer = refusal(flood.admit(privateMsg(2)));
    clock.advance(300);
    // Sent at T0+100, arriving at T0+300 while the answer to the first 429 is still on its way.
    const inFlight = refusal(flood.admit(privateMsg(3, { sentAt: T0 + 100 })));
    inFlight.delivered(); // at T0+300
    clock.advance(100);
    slowAnswer.delivered(); // at T0+400, after the other one
    clock.advance(100);
    expect(refusal(flood.admit(privateMsg(4, { sentAt: T0 + 350 }))).violation).toBe("penalty");
  });
});
