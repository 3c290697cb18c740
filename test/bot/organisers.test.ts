import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { publishOrganiserMenu } from "../../src/bot/commands.js";
import type { HeraldContext } from "../../src/bot/context.js";
import type { BotDeps } from "../../src/bot/deps.js";
import { isOrganiser } from "../../src/bot/filters/is-organiser.js";
import { recogniseOrganisers } from "../../src/bot/middleware/recognise-organisers.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { testConfig } from "../helpers/config.js";

const ADMIN_CHAT = -100;
let database: HeraldDatabase;
let asked: number[];

beforeEach(() => {
  database = openDatabase(":memory:");
  asked = [];
});
afterEach(() => database.close());

function recognise() {
  const deps = {
    db: database.db,
    config: { ...testConfig(), adminChatId: ADMIN_CHAT },
    cockpit: {
      organisers: {
        isOrganiser: async (userId: number) => {
          asked.push(userId);
          return userId === 1;
        },
      },
    },
  } as unknown as Pick<BotDeps, "db" | "config" | "cockpit">;
  return async (update: Partial<HeraldContext>) => {
    const ctx = { from: { id: 1 }, chat: { id: 1, type: "private" }, ...update } as HeraldContext;
    await recogniseOrganisers(deps)(ctx, async () => {});
    return isOrganiser(ctx);
  };
}

describe("recognising organisers", () => {
  it("asks who it is only for what may be the cockpit's", async () => {
    const check = recognise();
    expect(await check({ message: { text: "hello" } } as Partial<HeraldContext>)).toBe(false);
    expect(await check({ callbackQuery: { data: "unsub" } } as Partial<HeraldContext>)).toBe(false);
    expect(asked).toEqual([]);
    expect(await check({ message: { text: "/stats@herald_bot" } } as Partial<HeraldContext>)).toBe(true);
    expect(await check({ callbackQuery: { data: "bc:pause:1" } } as Partial<HeraldContext>)).toBe(true);
    expect(
      await check({
        from: { id: 2 },
        message: { text: "/new" },
      } as unknown as Partial<HeraldContext>),
    ).toBe(false);
    expect(asked).toEqual([1, 1, 2]);
  });

  it("takes everything said in the organisers' group to the lookup", async () => {
    const check = recognise();
    expect(
      await check({
        chat: { id: ADMIN_CHAT, type: "supergroup" },
        message: { text: "hi" },
      } as unknown as Partial<HeraldContext>),
    ).toBe(true);
  });
});

describe("the organiser menu", () => {
  it("is published once, in the organiser's private chat, and a failure does not stop the update", async () => {
    const seen = new Set<number>();
    const middleware = publishOrganiserMenu({
      firstSeen: (id) => {
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      },
    });
    const setMyCommands = vi.fn(async () => {
      throw new Error("Telegram is down");
    });
    const warn = vi.fn();
    const ctx = (organiser: boolean) =>
      ({
        organiser,
        from: { id: 1 },
        chat: { id: 1, type: "private" },
        api: { setMyCommands },
        logger: { warn },
      }) as unknown as HeraldContext;
    const next = vi.fn(async () => {});
    await middleware(ctx(false), next);
    expect(setMyCommands).not.toHaveBeenCalled();
    await middleware(ctx(true), next);
    const published = setMyCommands.mock.calls.length;
    expect(published).toBeGreaterThan(0);
    expect(warn).toHaveBeenCalledTimes(1);
    await middleware(ctx(true), next);
    expect(setMyCommands.mock.calls.length).toBe(published);
    expect(next).toHaveBeenCalledTimes(3);
  });
});
