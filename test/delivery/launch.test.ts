import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recentAdminActions } from "../../src/audience/audit.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { type Broadcasts, createBroadcasts } from "../../src/delivery/broadcasts.js";
import { launchBroadcast } from "../../src/delivery/launch.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const organiser = { id: 501, chatId: 501, language: "en" as const };

let dir: { path: string; cleanup(): void };
let database: HeraldDatabase;
let clock: FakeClock;
let broadcasts: Broadcasts;
let wakes: number;

beforeEach(() => {
  dir = makeTempDir();
  database = openDatabase(join(dir.path, "herald.db"));
  clock = createFakeClock();
  wakes = 0;
  broadcasts = createBroadcasts({ database, clock, onChange: () => wakes++ });
});

afterEach(() => {
  database.close();
  dir.cleanup();
});

const draft = () =>
  broadcasts.create({
    title: "Doors open",
    content: { kind: "text", html: "Doors open" },
    createdBy: organiser.id,
  });
const launch = (draftId: number, alongside?: () => void) =>
  launchBroadcast(
    { broadcasts, db: database.db, clock },
    { draftId, organiser, detail: { count: 3 }, ...(alongside ? { alongside } : {}) },
  );

describe("launchBroadcast", () => {
  it("launches, watches, audits and wakes delivery in one call", () => {
    const { id } = draft();
    let alongside = 0;
    expect(launch(id, () => alongside++)).toEqual({ id, result: "launched" });
    expect(broadcasts.get(id)).toMatchObject({
      status: "running",
      progressChatId: 501,
      progressLanguage: "en",
    });
    const [audit] = recentAdminActions(database.db, 5);
    expect(audit).toMatchObject({ actorId: 501, chatId: 501, action: "broadcast.launch" });
    expect(JSON.parse(audit?.detail ?? "{}")).toEqual({ broadcast: id, count: 3 });
    expect(alongside).toBe(1);
    expect(wakes).toBe(1);
  });

  it("tells a second press what became of the first, and writes nothing", () => {
    const { id } = draft();
    launch(id);
    let alongside = 0;
    expect(launch(id, () => alongside++)).toEqual({ id, result: "already" });
    expect(recentAdminActions(database.db, 5)).toHaveLength(1);
    expect(alongside).toBe(0);
    expect(launch(9999)).toEqual({ id: 9999, result: "gone" });
  });

  it("rolls back with its alongside writes", () => {
    const { id } = draft();
    expect(() =>
      launch(id, () => {
        throw new Error("disk full");
      }),
    ).toThrow("disk full");
    expect(broadcasts.get(id).status).toBe("draft");
    expect(recentAdminActions(database.db, 5)).toHaveLength(0);
    expect(wakes).toBe(0);
  });
});
