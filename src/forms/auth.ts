import { createHmac } from "node:crypto";
import { sameSecret } from "../same-secret.js";
import { FORM_TOKEN_HEADER, type FormProvider, formToken } from "./providers.js";

export const TYPEFORM_SIGNATURE_HEADER = "typeform-signature";
export const TALLY_SIGNATURE_HEADER = "tally-signature";

export type FormAuthCheck = { ok: true } | { ok: false; reason: string };

export interface FormAuthInput {
  secret: string;
  /** Request headers as Node gives them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The token in Tilda's URL path. */
  pathToken?: string | undefined;
}

/**
 * Is this request from the organiser's form? Typeform and Tally sign the raw body with FORM_SECRET
 * (base64 HMAC-SHA256; Typeform prefixes `sha256=`); Tilda carries the provider's token in the
 * path; Yandex, Google and generic senders in the X-Herald-Form-Token header. The reasons name the
 * header, never what it held.
 */
export function checkFormAuth(provider: FormProvider, input: FormAuthInput): FormAuthCheck {
  switch (provider) {
    case "typeform": {
      const mac = createHmac("sha256", input.secret).update(input.rawBody).digest("base64");
      return compare(`sha256=${mac}`, header(input.headers, TYPEFORM_SIGNATURE_HEADER), "Typeform-Signature");
    }
    case "tally": {
      const mac = createHmac("sha256", input.secret).update(input.rawBody).digest("base64");
      return compare(mac, header(input.headers, TALLY_SIGNATURE_HEADER), "Tally-Signature");
    }
    case "tilda":
      return compare(formToken(input.secret, "tilda"), input.pathToken, "the token in the URL path");
    default:
      return compare(
        formToken(input.secret, provider),
        header(input.headers, FORM_TOKEN_HEADER),
        "X-Herald-Form-Token",
      );
  }
}

function compare(expected: string, given: string | undefined, what: string): FormAuthCheck {
  if (given === undefined || given.trim() === "") return { ok: false, reason: `${what} is missing` };
  if (!sameSecret(expected, given.trim())) {
    return { ok: false, reason: `${what} does not match FORM_SECRET` };
  }
  return { ok: true };
}

function header(headers: FormAuthInput["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
