import type { ParsedForm } from "./form-fields.js";
import type { FormProvider } from "./providers.js";
import { parseGeneric } from "./sources/generic.js";
import { parseGoogle } from "./sources/google.js";
import { parseTally } from "./sources/tally.js";
import { parseTilda } from "./sources/tilda.js";
import { parseTypeform } from "./sources/typeform.js";
import { parseYandex } from "./sources/yandex.js";

/** The media type each door takes: Tilda posts a URL-encoded form, the rest JSON. */
export function formContentType(
  provider: FormProvider,
): "application/json" | "application/x-www-form-urlencoded" {
  return provider === "tilda" ? "application/x-www-form-urlencoded" : "application/json";
}

/**
 * A decoded body as the provider's submission. `json` is the body already parsed (by Fastify's own
 * parser, which refuses prototype poisoning) for the JSON doors; `text` is what Tilda sent.
 */
export function parseForm(
  provider: FormProvider,
  body: { json: unknown } | { text: string },
  options: { answerField: string | null },
): ParsedForm {
  if ("text" in body)
    return provider === "tilda" ? parseTilda(body.text) : { kind: "invalid", message: "the body is JSON" };
  switch (provider) {
    case "typeform":
      return parseTypeform(body.json);
    case "tally":
      return parseTally(body.json);
    case "yandex":
      return parseYandex(body.json);
    case "google":
      return parseGoogle(body.json);
    case "generic":
      return parseGeneric(body.json, options.answerField);
    case "tilda":
      return { kind: "invalid", message: "Tilda sends application/x-www-form-urlencoded" };
  }
}
