import { createHmac } from "node:crypto";
import { DomainError } from "../errors.js";
import type { FormProvider } from "../forms/providers.js";
import { sameSecret } from "../same-secret.js";

/**
 * Deep-link payloads (`t.me/<bot>?start=<payload>`: at most 64 characters of A-Za-z0-9_-).
 *
 * An answer link carries the form-answer number and an HMAC tag, so nobody can guess another
 * attendee's number and collect their ticket: `a-<answerId>-<tag>`. A form reference (bot-first
 * registration) carries the attendee's Telegram ID the same way: `r-<telegramId>-<tag>`. The tag is
 * the first 16 base64url characters (96 bits) of HMAC-SHA256 over a purpose-prefixed message, so an
 * answer tag never verifies as a reference tag.
 */

export const ANSWER_ID_PATTERN = /^[A-Za-z0-9]{1,40}$/;
const TAG_LENGTH = 16;
const ANSWER_PAYLOAD = /^a-([A-Za-z0-9]{1,40})(?:-([A-Za-z0-9_-]{16}))?$/;
const REFERENCE = /^r-(\d{1,15})-([A-Za-z0-9_-]{16})$/;

export type ParsedStartPayload =
  | { kind: "none" }
  | { kind: "answer"; answerId: string }
  | { kind: "invalid"; reason: "malformed" | "bad_signature" | "unsigned" };

export interface DeepLinks {
  /** The payload for an answer's deep link. */
  answerPayload(answerId: string): string;
  answerLink(botUsername: string, answerId: string): string;
  /** Reads a `/start` payload; never throws. */
  parseStartPayload(payload: string): ParsedStartPayload;
  /** A signed reference to a Telegram ID, for the form URL in the bot-first flow. */
  formReference(telegramId: number): string;
  /**
   * The registration form's URL with this person's signed reference where that form builder reads
   * it: `#ref=` for Typeform, `entry.<id>=` for Google Forms, `?ref=` (or FORM_REF_PARAM) otherwise.
   */
  formLink(formUrl: string, telegramId: number): string;
  /** The Telegram ID a reference names, or undefined when it is malformed or forged. */
  verifyFormReference(reference: string): number | undefined;
}

export class InvalidAnswerIdError extends DomainError {
  override readonly name = "InvalidAnswerIdError";
  readonly code = "invalid_answer_id";
  constructor(answerId: string) {
    super(`answer_id "${answerId.slice(0, 60)}" must be 1 to 40 letters or digits`);
  }
}

/** Where FORM_URL carries the reference: the builder it belongs to and FORM_REF_PARAM (config.forms). */
export interface FormLinkPlacement {
  provider: FormProvider | null;
  refParam: string | null;
}

export function createDeepLinks(options: {
  secret: string;
  signing: boolean;
  form?: FormLinkPlacement;
}): DeepLinks {
  const tag = (purpose: string, value: string) =>
    createHmac("sha256", options.secret)
      .update(`herald:${purpose}:${value}`)
      .digest("base64url")
      .slice(0, TAG_LENGTH);

  const answerPayload = (answerId: string) => {
    if (!ANSWER_ID_PATTERN.test(answerId)) throw new InvalidAnswerIdError(answerId);
    return options.signing ? `a-${answerId}-${tag("answer", answerId)}` : `a-${answerId}`;
  };

  const formReference = (telegramId: number) => `r-${telegramId}-${tag("reference", String(telegramId))}`;

  return {
    answerPayload,
    answerLink: (botUsername, answerId) => `https://t.me/${botUsername}?start=${answerPayload(answerId)}`,
    parseStartPayload(payload) {
      const trimmed = payload.trim();
      if (trimmed === "") return { kind: "none" };
      const match = ANSWER_PAYLOAD.exec(trimmed);
      if (!match) return { kind: "invalid", reason: "malformed" };
      const [, answerId = "", given] = match;
      if (!options.signing) return { kind: "answer", answerId };
      if (given === undefined) return { kind: "invalid", reason: "unsigned" };
      return sameSecret(tag("answer", answerId), given)
        ? { kind: "answer", answerId }
        : { kind: "invalid", reason: "bad_signature" };
    },
    formReference,
    formLink: (formUrl, telegramId) => placeReference(formUrl, formReference(telegramId), options.form),
    verifyFormReference(reference) {
      const match = REFERENCE.exec(reference);
      if (!match) return undefined;
      const [, id = "", given = ""] = match;
      return sameSecret(tag("reference", id), given) ? Number(id) : undefined;
    },
  };
}

/**
 * Typeform reads hidden fields from the URL's fragment (`#ref=…&utm=…`), so the reference joins the
 * fragment's parameters there; every other builder reads a query parameter (Google Forms a
 * pre-filled `entry.<id>`, which config requires as FORM_REF_PARAM for google).
 */
function placeReference(
  formUrl: string,
  reference: string,
  placement: FormLinkPlacement | undefined,
): string {
  const link = new URL(formUrl);
  const name = placement?.refParam ?? "ref";
  if (placement?.provider === "typeform") {
    const fragment = new URLSearchParams(link.hash.replace(/^#/, ""));
    fragment.set(name, reference);
    link.hash = fragment.toString();
  } else {
    link.searchParams.set(name, reference);
  }
  return link.toString();
}
