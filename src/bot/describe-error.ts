import { GrammyError, HttpError } from "grammy";

/**
 * Errors as log fields. Telegram refusing a call and the network failing call for different
 * actions, so they are told apart; nothing of the update (names, texts) is included.
 */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof GrammyError) {
    return { kind: "telegram", method: error.method, code: error.error_code, description: error.description };
  }
  if (error instanceof HttpError) {
    return { kind: "network", message: error.message };
  }
  if (error instanceof Error) return { kind: error.name, message: error.message, stack: error.stack };
  return { kind: "unknown", message: String(error) };
}
