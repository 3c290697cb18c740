import type { Content } from "./content.js";
import type { Language } from "./language.js";
import type { Params } from "./params.js";
import { missingIn, placeholdersIn } from "./placeholders.js";

/** Every template of a content a recipient in `language` would get: text or caption, and buttons. */
function templatesOf(content: Content, language?: Language): string[] {
  const translation = content.kind === "text" && language ? content.localized?.[language] : undefined;
  const body =
    content.kind === "text"
      ? [translation?.html ?? content.html]
      : content.kind === "photo"
        ? [content.captionHtml ?? ""]
        : [];
  const buttons = (translation?.buttons ?? content.buttons ?? []).flat().flatMap((b) => [b.text, b.url]);
  return [...body, ...buttons];
}

/** The parameter names a content uses, each once, for checking them before launch. */
export function placeholdersOfContent(content: Content, language?: Language): string[] {
  return [...new Set(templatesOf(content, language).flatMap(placeholdersIn))];
}

/**
 * The placeholders this recipient lacks (absent or empty) that have no fallback, each once: what they
 * would see as a blank ("ваш зал — ."), or a button they would not get. Empty when nothing is missing.
 */
export function missingParams(content: Content, params: Params, language?: Language): string[] {
  return [...new Set(templatesOf(content, language).flatMap((template) => missingIn(template, params)))];
}
