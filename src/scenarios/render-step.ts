import { DEFAULT_LANGUAGE, type Language } from "../messages/language.js";
import type { OutgoingMessage } from "../messages/outgoing.js";
import { type Params, render } from "../messages/render.js";
import type { Step } from "./model.js";

/** A step for one person, in their language; a button whose text or link renders empty is dropped. */
export function renderStep(step: Step, language: Language, params: Params): OutgoingMessage {
  const content = {
    kind: "text" as const,
    html: step.text[language] ?? step.text[DEFAULT_LANGUAGE],
    buttons: step.buttons[language] ?? step.buttons[DEFAULT_LANGUAGE] ?? [],
  };
  return render(content, params, language);
}
