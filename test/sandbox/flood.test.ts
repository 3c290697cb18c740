import { describe, expect, it } from "vitest";
import {
  createFloodModel,
  type FloodDecision,
  type FloodRequest,
  IN_FLIGHT_GRACE_MS,
} from "../../src/sandbox/index.js";

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

const BOT = 123456789;
const privateMsg = (chatId: number, extra: Partial<FloodRequest> = {}): FloodRequest => ({
  botId: BOT,
  chatId,
  chatType: "private",
  kind: "message",
  ...extra,
});

function refused(d: FloodDecision): { scope: string; retryAfter: number } {
  if (d.ok) throw new Error("expected a refusal, got admission");
  return { scope: d.scope, retryAfter: d.retryAfter };
}

describe("flood model", () => {
  it("refuses past the bulk limit and admits again after retry_after", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 30 } });
    for (let i = 0; i < 30; i++) expect(flood.admit(privateMsg(1000 + i)).ok).toBe(true);
    const r = refused(flood.admit(privateMsg(2000)));
    expect(r).toEqual({ scope: "bulk", retryAfter: 1 });
    clock.advance(r.retryAfter * 1000);
    expect(flood.admit(privateMsg(2000)).ok).toBe(true);
  });

  it("sustains exactly the bulk rate once the burst is spent", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 10 } });
    let admitted = 0;
    let chat = 1;
    // 10 s of one attempt every 10 ms, each to a fresh chat: burst of 10 plus 10/s.
    for (let step = 0; step < 1000; step++) {
      const d = flood.admit(privateMsg(chat));
      if (d.ok) {
        admitted++;
        chat++;
      } else {
        clock.advance(d.retryAfter * 1000);
      }
      clock.advance(10);
    }
    expect(admitted).toBeGreaterThan(10);
    const elapsedS = (clock.now() - 1_700_000_000_000) / 1000;
    expect(admitted).toBeLessThanOrEqual(10 + Math.ceil(elapsedS * 10));
  });

  it("makes the wait longer for a client that ignores retry_after, capped at 60 s", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 1 } });
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(2))).retryAfter).toBe(1);
    clock.advance(300);
    expect(refused(flood.admit(privateMsg(3)))).toEqual({ scope: "bulk", retryAfter: 2 });
    clock.advance(300);
    expect(refused(flood.admit(privateMsg(4))).retryAfter).toBe(4);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      clock.advance(300);
      waits.push(refused(flood.admit(privateMsg(5))).retryAfter);
    }
    expect(waits).toEqual([8, 16, 32, 60, 60, 60]);
    // Waiting the last announced time is enough.
    clock.advance(60_000);
    expect(flood.admit(privateMsg(5)).ok).toBe(true);
  });

  it("does not punish requests that were already in flight when the 429 was sent", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 1 } });
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(2))).retryAfter).toBe(1);
    for (let i = 0; i < 5; i++) {
      clock.advance(IN_FLIGHT_GRACE_MS / 10);
      expect(refused(flood.admit(privateMsg(3 + i)))).toEqual({ scope: "bulk", retryAfter: 1 });
    }
    clock.advance(1000);
    expect(flood.admit(privateMsg(9)).ok).toBe(true);
  });

  it("refused requests consume no tokens", () => {
    const clock = fakeClock();
    const flood = createFloodModel({
      clock,
      limits: { bulkPerSecond: 2, chatBurst: 100, chatPerSecond: 100 },
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
    const clock = fakeClock();
    const flood = createFloodModel({ clock });
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

  it("limits a group to 20 messages per rolling minute", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock });
    const group = (): FloodRequest => ({
      botId: BOT,
      chatId: -1001000000001,
      chatType: "supergroup",
      kind: "message",
    });
    for (let i = 0; i < 20; i++) {
      expect(flood.admit(group()).ok).toBe(true);
      clock.advance(1000);
    }
    // The first of the 20 leaves the window 60 s after it was sent, i.e. 40 s from now.
    expect(refused(flood.admit(group()))).toEqual({ scope: "group", retryAfter: 40 });
    clock.advance(40_000);
    expect(flood.admit(group()).ok).toBe(true);
    expect(refused(flood.admit(group())).scope).toBe("group");
    clock.advance(1000);
    expect(flood.admit(group()).ok).toBe(true);
  });

  it("lets paid broadcasts go far beyond the bulk limit and keeps buckets apart", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock });
    let paid = 0;
    for (let i = 0; i < 1200; i++) if (flood.admit(privateMsg(10_000 + i, { paid: true })).ok) paid++;
    expect(paid).toBe(1000);
    const r = refused(flood.admit(privateMsg(20_000, { paid: true })));
    expect(r.scope).toBe("paid");
    // The free bulk bucket was never touched.
    for (let i = 0; i < 30; i++) expect(flood.admit(privateMsg(30_000 + i)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(40_000))).scope).toBe("bulk");
  });

  it("exempts replies to users who wrote within the window from the bulk bucket", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 1 } });
    expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(2))).scope).toBe("bulk");
    clock.advance(1000);
    flood.noteUserUpdate(BOT, 3);
    flood.noteUserUpdate(BOT, 4);
    flood.noteUserUpdate(BOT, 5);
    // Bulk is empty after this one, yet replies to users 3-5 still pass.
    expect(flood.admit(privateMsg(2)).ok).toBe(true);
    for (const chat of [3, 4, 5])
      expect(flood.admit(privateMsg(chat))).toEqual({ ok: true, replyExempt: true });
    // The per-chat bucket still applies to replies.
    flood.admit(privateMsg(3));
    flood.admit(privateMsg(3));
    expect(refused(flood.admit(privateMsg(3))).scope).toBe("chat");
    // After the window the exemption ends.
    clock.advance(5001);
    expect(flood.admit(privateMsg(4)).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(5))).scope).toBe("bulk");
  });

  it("counts edits only against the chat bucket", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 1 } });
    for (let i = 0; i < 3; i++) expect(flood.admit(privateMsg(7, { kind: "edit" })).ok).toBe(true);
    expect(refused(flood.admit(privateMsg(7, { kind: "edit" }))).scope).toBe("chat");
    expect(flood.admit(privateMsg(8)).ok).toBe(true);
  });

  it("treats 0 as no limit and validates new limits", () => {
    const clock = fakeClock();
    const flood = createFloodModel({ clock, limits: { bulkPerSecond: 0, chatPerSecond: 0 } });
    for (let i = 0; i < 500; i++) expect(flood.admit(privateMsg(1)).ok).toBe(true);
    expect(() => flood.setLimits({ bulkPerSecond: -1 })).toThrow(RangeError);
    flood.setLimits({ bulkPerSecond: 5 });
    expect(flood.limits.bulkPerSecond).toBe(5);
  });
});
