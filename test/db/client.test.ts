import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { countSubscribers, recordStart } from "../../src/audience/subscribers.js";
import { MIGRATIONS_FOLDER, MigrationError, openDatabase } from "../../src/db/client.js";
import { makeTempDir } from "../helpers/temp-dir.js";

const dirs: Array<{ cleanup(): void }> = [];
function tempDir() {
  const dir = makeTempDir();
  dirs.push(dir);
  return dir.path;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.cleanup();
});

function tables(sqlite: import("better-sqlite3").Database): string[] {
  return (
    sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
      name: string;
    }>
  ).map((row) => row.name);
}

/** A copy of the real migrations plus one more, as the next schema change would add. */
function migrationsWithOneMore(statement: string): string {
  const folder = join(tempDir(), "migrations");
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalFile = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as {
    entries: Array<{ idx: number; version: string; when: number; tag: string; breakpoints: boolean }>;
  };
  const last = journal.entries.at(-1);
  if (!last) throw new Error("no migrations");
  const tag = `${String(last.idx + 1).padStart(4, "0")}_next`;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag });
  writeFileSync(journalFile, JSON.stringify(journal));
  writeFileSync(join(folder, `${tag}.sql`), statement);
  return folder;
}

describe("openDatabase", () => {
  it("creates the file and its folder, and applies every migration to an empty database", () => {
    const file = join(tempDir(), "nested", "folder", "herald.db");
    const database = openDatabase(file);
    expect(tables(database.sqlite)).toEqual(expect.arrayContaining(["subscribers", "__drizzle_migrations"]));
    expect(database.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(database.sqlite.pragma("foreign_keys", { simple: true })).toBe(1);
    database.close();
  });

  it("reopens an existing database without losing rows or re-running migrations", () => {
    const file = join(tempDir(), "herald.db");
    const first = openDatabase(file);
    recordStart(first.db, { telegramId: 42, language: "ru", now: 1 });
    const applied = first.sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get();
    first.close();

    const second = openDatabase(file);
    expect(countSubscribers(second.db)).toBe(1);
    expect(second.sqlite.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get()).toEqual(applied);
    second.close();
  });

  it("applies only the new migration to a database made by an older version", () => {
    const file = join(tempDir(), "herald.db");
    const old = openDatabase(file);
    recordStart(old.db, { telegramId: 7, language: "en", now: 1 });
    old.close();

    const folder = migrationsWithOneMore("CREATE TABLE `later_feature` (`id` integer PRIMARY KEY NOT NULL);");
    const upgraded = openDatabase(file, { migrationsFolder: folder });
    expect(tables(upgraded.sqlite)).toContain("later_feature");
    expect(countSubscribers(upgraded.db)).toBe(1);
    upgraded.close();
  });

  it("names the failing statement when a migration is broken, and leaves the database as it was", () => {
    const file = join(tempDir(), "herald.db");
    openDatabase(file).close();
    const folder = migrationsWithOneMore(
      "CREATE TABLE `half` (`id` integer);\n--> statement-breakpoint\nNOT SQL;",
    );
    expect(() => openDatabase(file, { migrationsFolder: folder })).toThrow(MigrationError);
    expect(() => openDatabase(file, { migrationsFolder: folder })).toThrow(/NOT SQL/);
    const database = openDatabase(file);
    expect(tables(database.sqlite)).not.toContain("half");
    database.close();
  });
});

/** A copy of the migrations as an older release had them: the first `count` only. */
function migrationsUpTo(count: number): string {
  const folder = join(tempDir(), "migrations-old");
  cpSync(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalFile = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

describe("upgrading a database with data in it", () => {
  it("keeps outbox rows when the delivery engine's migration rebuilds the table", () => {
    const file = join(tempDir(), "herald.db");
    const old = openDatabase(file, { migrationsFolder: migrationsUpTo(2) });
    old.sqlite
      .prepare(
        "INSERT INTO deliveries (job_key, telegram_id, lane, payload, status, not_before, created_at) VALUES ('ticket:A1:v1', 42, 'transactional', '{\"html\":\"x\"}', 'sent', 1, 1)",
      )
      .run();
    old.close();

    const upgraded = openDatabase(file);
    expect(
      upgraded.sqlite.prepare("SELECT job_key, status, broadcast_id, ambiguous FROM deliveries").all(),
    ).toEqual([{ job_key: "ticket:A1:v1", status: "sent", broadcast_id: null, ambiguous: 0 }]);
    upgraded.close();
  });
});

describe("the ticket_sent_at migration", () => {
  it("backfills when each answer's ticket was first accepted, of any version, and keeps it up to date", () => {
    const file = join(tempDir(), "herald.db");
    const old = openDatabase(file, { migrationsFolder: migrationsUpTo(8) });
    const register = old.sqlite.prepare(
      "INSERT INTO registrations (answer_id, telegram_id, created_at, updated_at) VALUES (?, ?, 1, 1)",
    );
    for (const [answer, id] of [
      ["A1", 1],
      ["A10", 2],
      ["A2", 3],
      ["A3", 4],
    ] as const)
      register.run(answer, id);
    const deliver = old.sqlite.prepare(
      `INSERT INTO deliveries (job_key, telegram_id, lane, status, not_before, created_at, sent_at)
       VALUES (?, ?, 'transactional', ?, 1, 1, ?)`,
    );
    deliver.run("ticket:A1:v2", 1, "sent", 200);
    deliver.run("ticket:A1:v1", 1, "sent", 100);
    deliver.run("ticket:A10:v1", 2, "sent", 300);
    deliver.run("ticket:A2:v1", 3, "pending", null);
    deliver.run("rejection:A3", 4, "sent", 400);
    old.close();

    const upgraded = openDatabase(file);
    const facts = upgraded.sqlite.prepare(
      "SELECT answer_id, ticket_sent_at FROM registrations ORDER BY answer_id",
    );
    expect(facts.all()).toEqual([
      { answer_id: "A1", ticket_sent_at: 100 },
      { answer_id: "A10", ticket_sent_at: 300 },
      { answer_id: "A2", ticket_sent_at: null },
      { answer_id: "A3", ticket_sent_at: null },
    ]);
    upgraded.sqlite
      .prepare("UPDATE deliveries SET status = 'sent', sent_at = 500 WHERE job_key = 'ticket:A2:v1'")
      .run();
    expect(facts.all()).toContainEqual({ answer_id: "A2", ticket_sent_at: 500 });
    upgraded.close();
  });

  it("leaves the triggers that write the fact in place (a later rebuild of deliveries would drop them)", () => {
    const database = openDatabase(":memory:");
    const triggers = database.sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'deliveries' ORDER BY name",
      )
      .all();
    expect(triggers).toEqual([
      { name: "deliveries_ticket_sent_on_insert" },
      { name: "deliveries_ticket_sent_on_update" },
    ]);
    database.close();
  });
});

describe("recordStart", () => {
  it("adds a subscriber once and reactivates a returning one", () => {
    const database = openDatabase(":memory:");
    expect(recordStart(database.db, { telegramId: 1, language: "ru", now: 10 })).toEqual({ isNew: true });
    expect(recordStart(database.db, { telegramId: 1, language: "en", now: 10 })).toEqual({ isNew: false });
    database.sqlite.prepare("UPDATE subscribers SET status = 'blocked' WHERE telegram_id = 1").run();
    recordStart(database.db, { telegramId: 1, language: "en", now: 20 });
    expect(database.sqlite.prepare("SELECT * FROM subscribers").get()).toEqual({
      telegram_id: 1,
      language: "en",
      status: "active",
      first_seen_at: 10,
      last_seen_at: 20,
      status_changed_at: 20,
    });
    database.close();
  });
});

describe("bytes at rest", () => {
  it("a deleted row leaves no trace in the database file or its WAL (secure_delete)", () => {
    const file = join(tempDir(), "herald.db");
    const database = openDatabase(file);
    const marker = "Зинаида-Erased-7d1f";
    const insert = database.sqlite.prepare("INSERT INTO dialogs (key, state, updated_at) VALUES (?, ?, ?)");
    for (let i = 0; i < 50; i++)
      insert.run(`k${i}`, JSON.stringify({ note: `${marker}-${i}`, pad: "x".repeat(500) }), i);
    database.sqlite.pragma("wal_checkpoint(TRUNCATE)");
    database.sqlite.prepare("DELETE FROM dialogs").run();
    database.sqlite.pragma("wal_checkpoint(TRUNCATE)");
    const needle = Buffer.from(marker);
    const bytes = [readFileSync(file), readFileSync(`${file}-wal`)];
    database.close();
    expect(bytes.map((b) => b.includes(needle))).toEqual([false, false]);
  });
});
