import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema.js";

export type Db = BetterSQLite3Database<typeof schema>;
/** The raw better-sqlite3 handle and its prepared statements, for the hot paths' SQL. */
export type Sqlite = Database.Database;
export type Statement = Database.Statement;

export interface HeraldDatabase {
  db: Db;
  sqlite: Sqlite;
  close(): void;
}

/** Resolved from this file, not the working directory: `src/db/` and a compiled `dist/db/` both sit two levels down. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../migrations", import.meta.url));

export class MigrationError extends Error {
  override readonly name = "MigrationError";
  readonly code = "migration_failed";
}

/**
 * Opens (creating if needed) the one SQLite file Herald uses and brings its schema up to date.
 * WAL lets the HTTP face read while the delivery engine writes; synchronous=NORMAL is durable
 * across process crashes, which is the failure Herald must survive.
 */
export function openDatabase(file: string, options: { migrationsFolder?: string } = {}): HeraldDatabase {
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  try {
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
    // Deleted rows are overwritten, not left in free pages: a pruned dialog or a removed list must
    // not stay readable in the file's bytes (Herald promises no personal data at rest).
    sqlite.pragma("secure_delete = ON");
    const db = drizzle(sqlite, { schema });
    applyMigrations(sqlite, db, options.migrationsFolder ?? MIGRATIONS_FOLDER);
    // SQLite's advice for long-lived connections: gather planner statistics at open (the hourly
    // plain `optimize` only refreshes tables this connection has queried, so on its own it never
    // analysed anything in the scenario benchmark).
    sqlite.pragma("optimize = 0x10002");
    return { db, sqlite, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/**
 * drizzle's migrate() runs inside a transaction, where `PRAGMA foreign_keys=OFF` is a no-op, so a
 * table-rebuilding migration would cascade-delete child rows (drizzle-orm #4938). Foreign keys are
 * therefore switched off around it and checked afterwards.
 */
function applyMigrations(sqlite: Database.Database, db: Db, migrationsFolder: string): void {
  sqlite.pragma("foreign_keys = OFF");
  try {
    migrate(db, { migrationsFolder });
  } catch (error) {
    throw new MigrationError(`Applying migrations from ${migrationsFolder} failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const violations = sqlite.pragma("foreign_key_check") as unknown[];
  if (violations.length > 0) {
    throw new MigrationError(`Migrations left ${violations.length} foreign key violation(s)`);
  }
  sqlite.pragma("foreign_keys = ON");
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** Hourly upkeep: lets SQLite refresh its planner statistics and folds the WAL back into the file. */
export function maintainDatabase(sqlite: Sqlite): void {
  sqlite.pragma("optimize");
  sqlite.pragma("wal_checkpoint(PASSIVE)");
}
