import { createHmac } from "node:crypto";

/**
 * The form builders Herald takes submissions from without a relay, each at
 * `POST /webhooks/forms/<provider>`. Typeform and Tally sign bodies themselves with FORM_SECRET;
 * the others cannot sign, so each gets a token derived from FORM_SECRET (in the URL path for Tilda,
 * in a static header for the rest).
 */
export const FORM_PROVIDERS = ["typeform", "tally", "tilda", "yandex", "google", "generic"] as const;
export type FormProvider = (typeof FORM_PROVIDERS)[number];

/** The header that carries the provider token for the builders that can send static headers. */
export const FORM_TOKEN_HEADER = "x-herald-form-token";

export function isFormProvider(name: string): name is FormProvider {
  return (FORM_PROVIDERS as readonly string[]).includes(name);
}

/**
 * A provider's token: HMAC-SHA256(FORM_SECRET, "herald-form:<provider>") in base64url, 32
 * characters. One per provider, so a token pasted into one builder opens no other door, and
 * changing FORM_SECRET changes them all.
 */
export function formToken(secret: string, provider: FormProvider): string {
  return createHmac("sha256", secret).update(`herald-form:${provider}`).digest("base64url").slice(0, 32);
}
