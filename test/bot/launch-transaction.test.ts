import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordAdminAction } from "../../src/audience/audit.js";
import {
  DIALOG_RETENTION_MS,
  dialogKeyOf,
  endDialog,
  hasDialog,
  pruneDialogs,
} from "../../src/bot/dialog-storage.js";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import {
  BroadcastNotFoundError,
  BroadcastStateError,
  type Broadcasts,
  createBroadcasts,
} from "../../src/delivery/broadcasts.js";
import { createFakeClock, type FakeClock } from "../helpers/fake-clock.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const ORGANISER = 501;
const CHAT = 501;
const KEY = dialogKeyOf(CHAT, ORGANISER);

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

function openDialog(key = KEY) {
  database.sqlite
    .prepare("INSERT INTO dialogs (key, state, updated_at) VALUES (?, '{}', ?)")
    .run(key, clock.now());
}

function draft(options: { scheduledAt?: number; createdBy?: number; chatId?: number } = {}) {
  return broadcasts.create({
    title: "Doors open",
    content: { kind: "text", html: "Doors open" },
    createdBy: options.createdBy ?? ORGANISER,
    watch: { chatId: options.chatId ?? CHAT, language: "ru" },
    ...(options.scheduledAt !== undefined ? { scheduledAt: options.scheduledAt } : {}),
  });
}

/** What the compose dialog does on Launch: the launch, its audit row and the end of the dialog. */
function launchFromDialog(id: number) {
  return broadcasts.launch(id, {
    watch: { chatId: CHAT, language: "en" },
    alongside: (row) => {
      recordAdminAction(database.db, {
        actorId: ORGANISER,
        chatId: CHAT,
        action: "broadcast.launch",
        detail: { broadcast: row.id },
        at: clock.now(),
      });
      endDialog(database.db, KEY);
    },
  });
}

const launchAudits = () =>
  (
    database.sqlite
      .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'broadcast.launch'")
      .get() as {
      n: number;
    }
  ).n;

describe("launching a draft from its dialog", () => {
  it("is one transaction: running, watched, audited and the dialog gone, all at once", () => {
    openDialog();
    const row = draft();
    const launched = launchFromDialog(row.id);
    expect(launched).toMatchObject({
      status: "running",
      startedAt: clock.now(),
      progressChatId: CHAT,
      progressLanguage: "en",
      progressMessageId: null,
    });
    expect(hasDialog(database.db, KEY)).toBe(false);
    expect(launchAudits()).toBe(1);
    expect(wakes).toBe(1);
  });

  it("happens once: a second launch of the same draft is refused and writes nothing", () => {
    openDialog();
    const row = draft();
    launchFromDialog(row.id);
    openDialog(); // a new dialog of the same organiser, which must survive the refused launch
    expect(() => launchFromDialog(row.id)).toThrow(BroadcastStateError);
    expect(launchAudits()).toBe(1);
    expect(hasDialog(database.db, KEY)).toBe(true);
    expect(wakes).toBe(1);
  });

  it("rolls everything back when a write inside it fails: still a draft, the dialog still at its step", () => {
    openDialog();
    const row = draft();
    expect(() =>
      broadcasts.launch(row.id, {
        watch: { chatId: CHAT, language: "en" },
        alongside: () => {
          endDialog(database.db, KEY);
          throw new Error("disk full");
        },
      }),
    ).toThrow("disk full");
    expect(broadcasts.get(row.id)).toMatchObject({ status: "draft", startedAt: null });
    expect(hasDialog(database.db, KEY)).toBe(true);
    expect(wakes).toBe(0);
    // And the Launch pressed again goes, once.
    expect(launchFromDialog(row.id).status).toBe("running");
  });

  it("schedules a draft whose start is ahead", () => {
    const row = draft({ scheduledAt: clock.now() + 60_000 });
    expect(broadcasts.launch(row.id)).toMatchObject({ status: "scheduled", startedAt: null });
  });

  it("refuses a discarded draft", () => {
    openDialog();
    const row = draft();
    broadcasts.discardDrafts({ createdBy: ORGANISER, chatId: CHAT }, () => endDialog(database.db, KEY));
    expect(() => launchFromDialog(row.id)).toThrow(BroadcastNotFoundError);
    expect(launchAudits()).toBe(0);
  });
});

describe("drafts", () => {
  it("are discarded with their dialog: only that organiser's in that chat, never a launched broadcast", () => {
    openDialog();
    const mine = draft();
    const elsewhere = draft({ chatId: -100200 });
    const colleague = draft({ createdBy: 777 });
    const launched = draft();
    broadcasts.launch(launched.id);
    const discarded = broadcasts.discardDrafts({ createdBy: ORGANISER, chatId: CHAT }, () =>
      endDialog(database.db, KEY),
    );
    expect(discarded).toBe(1);
    expect(() => broadcasts.get(mine.id)).toThrow(BroadcastNotFoundError);
    for (const kept of [elsewhere, colleague, launched]) expect(broadcasts.get(kept.id)).toBeTruthy();
    expect(hasDialog(database.db, KEY)).toBe(false);
  });

  it("never show in the list of broadcasts", () => {
    draft();
    const launched = draft();
    broadcasts.launch(launched.id);
    expect(broadcasts.list(10).map((row) => row.id)).toEqual([launched.id]);
  });

  it("whose dialog is gone are pruned after an hour; a draft of an open dialog stays", () => {
    openDialog();
    const open = draft();
    const orphan = draft({ chatId: -100300 });
    expect(pruneDialogs(database.db, clock.now())).toBe(0);
    clock.advance(60 * 60 * 1000 + 1);
    database.sqlite.prepare("UPDATE dialogs SET updated_at = ?").run(clock.now());
    expect(pruneDialogs(database.db, clock.now())).toBe(1);
    expect(() => broadcasts.get(orphan.id)).toThrow(BroadcastNotFoundError);
    expect(broadcasts.get(open.id).status).toBe("draft");
    // A week later the dialog itself is abandoned, and its draft goes with it.
    clock.advance(DIALOG_RETENTION_MS + 1);
    expect(pruneDialogs(database.db, clock.now())).toBe(2);
    expect(() => broadcasts.get(open.id)).toThrow(BroadcastNotFoundError);
  });
});
