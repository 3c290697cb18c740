import { createHmac } from "node:crypto";
import { sameSecret } from "../same-secret.js";

/**
 * Requests from the organiser's systems are signed: `X-Herald-Timestamp` carries Unix seconds and
 * `X-Herald-Signature` carries `sha256=<hex HMAC-SHA256(WEBHOOK_SECRET, "<timestamp>.<raw body>")>`.
 * Signing the timestamp with the body stops a captured request from being replayed later.
 */
export const TIMESTAMP_HEADER = "x-herald-timestamp";
export const SIGNATURE_HEADER = "x-herald-signature";
export const MAX_SKEW_SECONDS = 5 * 60;

export function signBody(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
  return `sha256=${mac}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function checkSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowMs: number;
}): SignatureCheck {
  if (!input.timestamp || !input.signature) {
    return { ok: false, reason: `the ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers are required` };
  }
  if (!/^\d{1,12}$/.test(input.timestamp)) {
    return { ok: false, reason: `${TIMESTAMP_HEADER} must be Unix seconds` };
  }
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.nowMs / 1000 - timestamp) > MAX_SKEW_SECONDS) {
    return {
      ok: false,
      reason: `${TIMESTAMP_HEADER} is more than ${MAX_SKEW_SECONDS / 60} minutes away from now`,
    };
  }
  if (!sameSecret(signBody(input.secret, timestamp, input.rawBody), input.signature.trim())) {
    return { ok: false, reason: "the signature does not match the body" };
  }
  return { ok: true };
}
