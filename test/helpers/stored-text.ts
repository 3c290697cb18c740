import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Everything in a SQLite file and its WAL as text, to search for values that must never be stored. */
export function storedText(folder: string, file = "herald.db"): string {
  return [file, `${file}-wal`]
    .map((name) => {
      try {
        return readFileSync(join(folder, name)).toString("utf8");
      } catch {
        return "";
      }
    })
    .join("\n");
}
