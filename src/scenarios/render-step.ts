import { DEFAULT_LANGUAGE, type Language } from "../messages/language.js";
import type { OutgoingMessage } from "../messages/outgoing.js";
import { type Params, renderHtml, renderText, renderUrl } from "../messages/render.js";
import type { Step } from "./model.js";

/** A step for one person, in their language; a button whose text or link renders empty is dropped. */
export function renderStep(step: Step, language: Language, params: Params): OutgoingMessage {
  const buttons = (step.buttons[language] ?? step.buttons[DEFAULT_LANGUAGE] ?? [])
    .map((row) =>
      row
        .map((b) => ({ text: renderText(b.text, params), url: renderUrl(b.url, params) }))
        .filter((b) => b.text !== "" && b.url !== ""),
    )
    .filter((row) => row.length > 0);
  return {
    html: renderHtml(step.text[language] ?? step.text[DEFAULT_LANGUAGE], params),
    ...(buttons.length > 0 ? { buttons } : {}),
  };
}
