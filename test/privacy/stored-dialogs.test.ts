import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  DIALOG_RETENTION_MS,
  dialogStorage,
  pruneDialogs,
  stripStoredDialogs,
} from "../../src/bot/dialog-storage.js";
import { openDatabase } from "../../src/db/client.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const dirs: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

const NAMES = ["Эльвира", "Щукинова", "elvira_shch_482"];
const person = { first_name: "Эльвира", last_name: "Щукинова", username: "elvira_shch_482" };

/** A compose dialog as Herald stored it before names were stripped: the /new update, whole. */
function oldDialog(userId: number) {
  const update = {
    update_id: 10,
    message: {
      message_id: 3,
      date: 1_700_000_000,
      from: { id: userId, is_bot: false, ...person, language_code: "ru" },
      chat: { id: userId, type: "private", ...person },
      text: "/new",
      entities: [{ type: "bot_command", offset: 0, length: 4 }],
    },
  };
  return {
    version: [1, 3],
    state: {
      compose: [
        {
          interrupts: [1],
          replay: {
            send: [{ payload: "wait" }, { payload: "wait" }],
            receive: [{ send: 0, returnValue: update }],
          },
        },
      ],
    },
  };
}

describe("dialogs stored with names by an older Herald", () => {
  it("lose them at the next upkeep, keep their steps and their time of last use, and leave no bytes behind", () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const file = join(dir.path, "herald.db");
    const database = openDatabase(file);
    const now = 1_800_000_000_000;
    const insert = database.sqlite.prepare("INSERT INTO dialogs (key, state, updated_at) VALUES (?, ?, ?)");
    insert.run("42:42", JSON.stringify(oldDialog(42)), now - 60_000);
    // An abandoned one goes as before, names and all.
    insert.run("43:43", JSON.stringify(oldDialog(43)), now - DIALOG_RETENTION_MS - 1);
    database.sqlite.pragma("wal_checkpoint(TRUNCATE)");

    expect(pruneDialogs(database.db, now)).toBe(1);
    const rows = database.sqlite.prepare("SELECT key, state, updated_at FROM dialogs").all() as Array<{
      key: string;
      state: string;
      updated_at: number;
    }>;
    expect(rows.map((r) => [r.key, r.updated_at])).toEqual([["42:42", now - 60_000]]);
    const stored = JSON.parse(rows[0]?.state ?? "{}");
    const update = stored.state.compose[0].replay.receive[0].returnValue;
    expect(update.message.from).toEqual({ id: 42, is_bot: false, first_name: "", language_code: "ru" });
    expect(update.message.text).toBe("/new");
    expect(stored.state.compose[0].replay.send).toHaveLength(2);
    // Nothing left to strip the next time.
    expect(stripStoredDialogs(database.db)).toBe(0);

    database.sqlite.pragma("wal_checkpoint(TRUNCATE)");
    const bytes = [readFileSync(file), readFileSync(`${file}-wal`)];
    database.close();
    expect(bytes.flatMap((b) => NAMES.filter((name) => b.includes(Buffer.from(name))))).toEqual([]);
  });

  it("keep an `external`'s own result whole, whatever its keys, so the dialog replays alike", () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const database = openDatabase(join(dir.path, "herald.db"));
    const storage = dialogStorage(database.db, { now: () => 1_800_000_000_000 });
    const dialog = oldDialog(42);
    // Not a Telegram object: Herald's own value with keys Telegram also uses for people.
    const recorded = { username: "ops_desk", email: "desk@example.org", first_name: "Desk", count: 3 };
    dialog.state.compose[0]?.replay.send.push({ payload: "external" });
    dialog.state.compose[0]?.replay.receive.push({ send: 2, returnValue: recorded as never });
    storage.write("42:42", dialog as never);
    const stored = storage.read("42:42") as unknown as typeof dialog;
    database.close();
    expect(stored.state.compose[0]?.replay.receive[1]).toEqual({ send: 2, returnValue: recorded });
    // The organiser's update in the same log loses its names.
    expect(JSON.stringify(stored)).not.toContain("Щукинова");
  });
});
