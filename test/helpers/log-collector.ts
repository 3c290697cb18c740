import { createLogger, type Logger } from "../../src/logger.js";

export interface CollectedLogs {
  logger: Logger;
  lines: string[];
  /** Parsed JSON records. */
  records(): Array<Record<string, unknown>>;
  text(): string;
}

/** A real Herald logger that writes into memory, so tests can search what would have been logged. */
export function collectLogs(
  secrets: readonly string[] = [],
  level: "info" | "debug" | "trace" = "debug",
): CollectedLogs {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    secrets,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return {
    logger,
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(""),
  };
}
