import { timingSafeEqual } from "node:crypto";

/**
 * Compares a secret-derived string (a signature, a token, a tag) with what a sender gave, in time
 * that does not depend on where they differ; a different length is simply unequal.
 */
export function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
