import { describe, expect, it } from "vitest";
import { createOrganisers, type MemberStatus } from "../../src/audience/organisers.js";
import { createFakeClock } from "../helpers/fake-clock.js";

const ADMIN = 111;
const GROUP = -100_123;

/** Organisers over a fake clock and a Telegram stand-in whose answers and calls the test controls. */
function setup(options: { adminChatId?: number | null; adminIds?: number[] } = {}) {
  const clock = createFakeClock();
  const statuses = new Map<number, MemberStatus | Error>();
  const calls: Array<{ chatId: number; userId: number }> = [];
  const organisers = createOrganisers({
    adminIds: options.adminIds ?? [ADMIN],
    adminChatId: options.adminChatId === undefined ? GROUP : options.adminChatId,
    clock,
    memberStatus: async (chatId, userId) => {
      calls.push({ chatId, userId });
      const status = statuses.get(userId);
      if (status instanceof Error) throw status;
      return status ?? "left";
    },
  });
  return { clock, statuses, calls, organisers };
}

describe("isOrganiser", () => {
  it("accepts ADMIN_IDS anywhere without asking Telegram", async () => {
    const { organisers, calls } = setup();
    expect(await organisers.isOrganiser(ADMIN, undefined)).toBe(true);
    expect(await organisers.isOrganiser(ADMIN, ADMIN)).toBe(true);
    expect(await organisers.isOrganiser(ADMIN, -5)).toBe(true);
    expect(calls).toEqual([]);
  });

  it("accepts ADMIN_IDS when there is no admin chat", async () => {
    const { organisers, calls } = setup({ adminChatId: null, adminIds: [1, 2] });
    expect(await organisers.isOrganiser(2, undefined)).toBe(true);
    expect(await organisers.isOrganiser(3, 3)).toBe(false);
    expect(calls).toEqual([]);
  });

  it("accepts anyone writing in the admin chat itself without asking Telegram", async () => {
    const { organisers, calls } = setup();
    expect(await organisers.isOrganiser(555, GROUP)).toBe(true);
    expect(calls).toEqual([]);
  });

  it.each([
    ["creator", true],
    ["administrator", true],
    ["member", true],
    ["restricted", true],
    ["left", false],
    ["kicked", false],
  ] as const)("a group member with status %s → %s", async (status, expected) => {
    const { organisers, statuses, calls } = setup();
    statuses.set(42, status);
    expect(await organisers.isOrganiser(42, 42)).toBe(expected);
    expect(calls).toEqual([{ chatId: GROUP, userId: 42 }]);
  });

  it("remembers membership for 60 s on the clock and asks again after that", async () => {
    const { organisers, statuses, calls, clock } = setup();
    statuses.set(42, "member");
    expect(await organisers.isOrganiser(42, undefined)).toBe(true);
    expect(calls).toHaveLength(1);

    statuses.set(42, "kicked");
    clock.advance(30_000);
    expect(await organisers.isOrganiser(42, 42)).toBe(true);
    clock.advance(29_999);
    expect(await organisers.isOrganiser(42, 42)).toBe(true);
    expect(calls).toHaveLength(1);

    clock.advance(1);
    expect(await organisers.isOrganiser(42, 42)).toBe(false);
    expect(calls).toHaveLength(2);

    // The "no" is remembered the same way, until the next expiry.
    statuses.set(42, "administrator");
    clock.advance(59_999);
    expect(await organisers.isOrganiser(42, 42)).toBe(false);
    expect(calls).toHaveLength(2);
    clock.advance(1);
    expect(await organisers.isOrganiser(42, 42)).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it("keeps one cache entry per user", async () => {
    const { organisers, statuses, calls } = setup();
    statuses.set(1, "member");
    statuses.set(2, "left");
    expect(await organisers.isOrganiser(1, 1)).toBe(true);
    expect(await organisers.isOrganiser(2, 2)).toBe(false);
    expect(await organisers.isOrganiser(1, 1)).toBe(true);
    expect(await organisers.isOrganiser(2, 2)).toBe(false);
    expect(calls.map((call) => call.userId)).toEqual([1, 2]);
  });

  it("treats a failing membership check as 'not an organiser' and recovers after expiry", async () => {
    const { organisers, statuses, calls, clock } = setup();
    statuses.set(42, new Error("Bad Request: chat not found"));
    await expect(organisers.isOrganiser(42, 42)).resolves.toBe(false);
    expect(calls).toHaveLength(1);

    statuses.set(42, "member");
    clock.advance(60_000);
    await expect(organisers.isOrganiser(42, 42)).resolves.toBe(true);
    expect(calls).toHaveLength(2);
  });

  it("never asks Telegram when there is no admin chat", async () => {
    const { organisers, statuses, calls } = setup({ adminChatId: null });
    statuses.set(42, "creator");
    expect(await organisers.isOrganiser(42, 42)).toBe(false);
    expect(await organisers.isOrganiser(42, undefined)).toBe(false);
    expect(calls).toEqual([]);
  });
});

describe("firstSeen", () => {
  it("is true once per user", () => {
    const { organisers } = setup();
    expect(organisers.firstSeen(1)).toBe(true);
    expect(organisers.firstSeen(1)).toBe(false);
    expect(organisers.firstSeen(2)).toBe(true);
    expect(organisers.firstSeen(1)).toBe(false);
    expect(organisers.firstSeen(2)).toBe(false);
  });

  it("starts afresh for a new instance (once per process)", () => {
    expect(setup().organisers.firstSeen(1)).toBe(true);
    expect(setup().organisers.firstSeen(1)).toBe(true);
  });
});
