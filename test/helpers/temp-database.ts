import { join } from "node:path";
import { type HeraldDatabase, openDatabase } from "../../src/db/client.js";
import { makeTempDir } from "./temp-dir.js";

/** A Herald database file in a fresh folder; `cleanups` (run in reverse) closes it, then removes the folder. */
export function tempDatabase(cleanups: Array<() => Promise<void> | void>): HeraldDatabase {
  const dir = makeTempDir();
  cleanups.push(() => dir.cleanup());
  const database = openDatabase(join(dir.path, "herald.db"));
  cleanups.push(() => database.close());
  return database;
}
