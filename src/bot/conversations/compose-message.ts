import { InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import type { BroadcastContent } from "../../delivery/broadcasts.js";
import { parseButtons, placeholdersInButtons } from "../../messages/buttons.js";
import { placeholdersOfContent } from "../../messages/content-params.js";
import { noButtonsButton } from "../callback-data.js";
import type { DialogContext } from "../context.js";
import { fill } from "../locales/index.js";
import { braces, contentOf, placeholdersOf } from "./broadcast-content.js";
import type { ComposeSession } from "./compose-session.js";
import { pressed, texted } from "./dialog-io.js";

/**
 * Steps 1 and 2: the message and its URL buttons, or a saved template. Only parameters Herald
 * knows (`known`) may be used. Undefined: the dialog ends (the template is gone, or uses unknown ones).
 */
export async function chooseMessage(
  s: ComposeSession,
  known: string[],
  templateId: number | undefined,
): Promise<BroadcastContent | undefined> {
  const { io, m } = s;
  const knownList = braces(known);
  const unknownIn = (names: string[]) => names.filter((name) => !known.includes(name));
  if (templateId !== undefined) {
    const template = await s.conversation.external(() => {
      try {
        return s.deps.cockpit.templates.get(templateId);
      } catch {
        return null;
      }
    });
    if (!template) {
      await io.say(m.notFound);
      return undefined;
    }
    await io.say(fill(m.composeFromTemplate, { name: template.name }));
    const unknown = unknownIn(placeholdersOfContent(template.content));
    if (unknown.length > 0) {
      await io.say(fill(m.composeUnknownParams, { unknown: braces(unknown), known: knownList }));
      return undefined;
    }
    return template.content;
  }

  await io.say(fill(m.composeIntro, { params: knownList }));
  let content: BroadcastContent;
  for (;;) {
    const c = await s.input(
      (x) => x.message !== undefined && !x.message.text?.startsWith("/"),
      m.composeNeedMessage,
    );
    const built = contentOf(c.message as Message, s.chatId);
    const unknown = unknownIn(placeholdersOf(built));
    if (unknown.length > 0) {
      await io.say(fill(m.composeUnknownParams, { unknown: braces(unknown), known: knownList }));
      continue;
    }
    if (built.kind === "copy") await io.say(m.composeCopyNote);
    content = built;
    break;
  }
  return addButtons(s, content, unknownIn, knownList);
}

/** Step 2: URL buttons under the message, one row a line, or none. */
async function addButtons(
  s: ComposeSession,
  content: BroadcastContent,
  unknownIn: (names: string[]) => string[],
  knownList: string,
): Promise<BroadcastContent> {
  const { io, m } = s;
  await io.say(m.composeButtonsPrompt, {
    reply_markup: new InlineKeyboard().text(m.composeNoButtons, noButtonsButton.encode({})),
  });
  for (;;) {
    const c = await s.input(
      (x: DialogContext) => texted(x) || pressed(noButtonsButton)(x),
      m.composeButtonsPrompt,
    );
    if (c.callbackQuery) {
      await io.answer(c);
      return content;
    }
    const parsed = parseButtons(c.message?.text ?? "");
    if (!parsed.ok) {
      const errors = parsed.errors.map((e) => `• ${e.line}: ${e.reason}`).join("\n");
      await io.say(fill(m.composeButtonErrors, { errors }));
      continue;
    }
    const unknown = unknownIn(placeholdersInButtons(parsed.rows));
    if (unknown.length > 0) {
      await io.say(fill(m.composeButtonsUnknownParams, { unknown: braces(unknown), known: knownList }));
      continue;
    }
    return parsed.rows.length > 0 ? { ...content, buttons: parsed.rows } : content;
  }
}
