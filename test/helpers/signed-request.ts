import type { InjectOptions } from "fastify";
import type { Clock } from "../../src/clock.js";
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from "../../src/http/signature.js";

export interface SignOptions {
  /** Unix seconds to sign with; defaults to the clock's current second. */
  timestamp?: number;
  /** Sign with this secret instead (a sender with the wrong secret). */
  secret?: string;
  /** Send these bytes instead of `JSON.stringify(body)` (they are what gets signed). */
  rawBody?: string | Buffer;
  /** Change the body after signing it (a tampered request). */
  tamper?: (signedBody: string) => string;
  contentType?: string;
  /** Extra or replacing headers; `undefined` removes one. */
  headers?: Record<string, string | undefined>;
}

/** Unix seconds of a clock, as senders put in `x-herald-timestamp`. */
export function unixSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/**
 * A POST as the organiser's systems send it: a JSON body signed with the webhook secret and the
 * clock's time, through the real `signBody`.
 */
export function signedPost(
  clock: Clock,
  secret: string,
  url: string,
  body: unknown,
  options: SignOptions = {},
): InjectOptions {
  const raw = options.rawBody ?? JSON.stringify(body);
  const timestamp = options.timestamp ?? unixSeconds(clock);
  const headers: Record<string, string> = {
    "content-type": options.contentType ?? "application/json",
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signBody(options.secret ?? secret, timestamp, raw),
  };
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return {
    method: "POST",
    url,
    headers,
    payload: options.tamper ? options.tamper(raw.toString()) : raw,
  };
}
