import type { ButtonTemplate, Content, TextContent } from "./content.js";
import { escapeHtml } from "./html.js";
import { createHtmlPlaces, type HtmlPlace } from "./html-places.js";
import type { Language } from "./language.js";
import type { OutgoingMessage, RenderedMessage } from "./outgoing.js";
import type { Params } from "./params.js";
import { fill, PLACEHOLDER } from "./placeholders.js";
import { buttonUrlProblem } from "./telegram-url.js";

export type { Params } from "./params.js";
export { missingIn, placeholdersIn } from "./placeholders.js";

const WHOLE_PLACEHOLDER = new RegExp(`^${PLACEHOLDER.source}$`);

/**
 * Content for one recipient, in their language when it has that translation: the one renderer for
 * broadcasts, scenario steps, tickets and decisions. Text content renders to the `OutgoingMessage`
 * the outbox stores; a photo or a copy keeps its kind. A button whose label or link renders empty
 * (a recipient with no ticket yet) is dropped, and a row left empty with it.
 */
export function render(content: TextContent, params: Params, language?: Language): OutgoingMessage;
export function render(content: Content, params: Params, language?: Language): RenderedMessage;
export function render(content: Content, params: Params, language?: Language): RenderedMessage {
  const buttons = renderButtons(content.buttons, params);
  const keyboard = buttons.length > 0 ? { buttons } : {};
  if (content.kind === "copy") {
    return { kind: "copy", fromChatId: content.fromChatId, messageId: content.messageId, ...keyboard };
  }
  if (content.kind === "photo") {
    return {
      kind: "photo",
      photo: content.photo,
      ...(content.captionHtml ? { captionHtml: renderHtml(content.captionHtml, params) } : {}),
      ...keyboard,
    };
  }
  const translation = language ? content.localized?.[language] : undefined;
  const translatedButtons = translation?.buttons ? renderButtons(translation.buttons, params) : buttons;
  return {
    html: renderHtml(translation?.html ?? content.html, params),
    ...(translatedButtons.length > 0 ? { buttons: translatedButtons } : {}),
    ...(content.disablePreview ? { disablePreview: true } : {}),
  };
}

/**
 * Fills a Telegram HTML template, each value escaped for where it lands, so no value can make
 * Telegram refuse the message or change a link: text is HTML-escaped; a value that is a link's whole
 * address is kept as it is (the organiser's own ticket link must stay the one they e-mailed) and
 * escaped as an attribute; a value inside an address the author wrote is percent-encoded first.
 */
export function renderHtml(template: string, params: Params): string {
  const placeOf = createHtmlPlaces(template);
  return fill(template, params, (value, slot) => inHtml(value, placeOf(slot.start, slot.end)), decodeHtml);
}

/** Fills a button label: plain text, nothing to escape. */
export function renderText(template: string, params: Params): string {
  return fill(template, params, (value) => value);
}

/**
 * Fills a button URL. `{ticket_url}` alone is the organiser's own link and is kept byte for byte;
 * another placeholder alone is kept when it is a link a button can carry (else the button is
 * dropped rather than the message refused); a placeholder inside a URL is percent-encoded, so a value
 * cannot change the link's structure.
 */
export function renderUrl(template: string, params: Params): string {
  const whole = WHOLE_PLACEHOLDER.exec(template.trim());
  if (!whole) return fill(template, params, (value) => encodeURIComponent(value));
  const url = fill(template.trim(), params, (value) => value);
  return whole[1] === "ticket_url" || isButtonLink(url) ? url : "";
}

/**
 * Fills only the parameters given, leaving every other placeholder for the send: for values known
 * when a broadcast is made (an event's live link) rather than per recipient. Escaped as `render` does.
 */
export function prefill(content: TextContent, known: Params): TextContent {
  const html = (template: string) => {
    const placeOf = createHtmlPlaces(template);
    return fill(template, known, (value, slot) => {
      const place = placeOf(slot.start, slot.end);
      return slot.name in known ? inHtml(value, place) : template.slice(slot.start, slot.end);
    });
  };
  const buttons = (rows: ButtonTemplate[][]) =>
    rows.map((row) => row.map((b) => ({ text: keep(b.text, known, false), url: keep(b.url, known, true) })));
  const localized = Object.entries(content.localized ?? {}).map(([language, translation]) => [
    language,
    {
      ...(translation.html !== undefined ? { html: html(translation.html) } : {}),
      ...(translation.buttons ? { buttons: buttons(translation.buttons) } : {}),
    },
  ]);
  return {
    ...content,
    html: html(content.html),
    ...(content.buttons ? { buttons: buttons(content.buttons) } : {}),
    ...(content.localized ? { localized: Object.fromEntries(localized) } : {}),
  };
}

/** A button's label or link with the known placeholders filled as `render` would, the others kept. */
function keep(template: string, known: Params, asUrl: boolean): string {
  if (asUrl && WHOLE_PLACEHOLDER.test(template.trim())) {
    const name = WHOLE_PLACEHOLDER.exec(template.trim())?.[1] as string;
    return name in known ? renderUrl(template, known) : template;
  }
  return fill(template, known, (value, slot) => {
    if (!(slot.name in known)) return template.slice(slot.start, slot.end);
    return asUrl ? encodeURIComponent(value) : value;
  });
}

function renderButtons(rows: ButtonTemplate[][] | undefined, params: Params) {
  return (rows ?? [])
    .map((row) =>
      row
        .map((b) => ({ text: renderText(b.text, params), url: renderUrl(b.url, params) }))
        .filter((b) => b.text !== "" && b.url !== ""),
    )
    .filter((row) => row.length > 0);
}

function inHtml(value: string, place: HtmlPlace): string {
  switch (place) {
    case "text":
      return escapeHtml(value);
    case "url":
    case "attribute":
      return escapeAttribute(value);
    case "url-part":
      return escapeAttribute(encodeURIComponent(value));
    case "bare":
      // Outside quotes Telegram reads only a short token; anything else would end the tag.
      return value.replace(/[^a-z0-9.-]/gi, "");
  }
}

function escapeAttribute(value: string): string {
  return escapeHtml(value).replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

function isButtonLink(url: string): boolean {
  if (/^tg:\/\/[a-z0-9_-]+/i.test(url)) return true;
  return buttonUrlProblem(url) === undefined;
}

/** A fallback inside an HTML template is written as HTML (`&amp;`): decoded, then escaped like a value. */
function decodeHtml(html: string): string {
  return html.replace(
    /&(lt|gt|amp|quot|#(\d{1,7})|#x([0-9a-f]{1,6}));?/gi,
    (whole, name: string, dec, hex) => {
      const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
      const code = dec ? Number(dec) : hex ? Number.parseInt(hex, 16) : undefined;
      if (code === undefined) return named[name.toLowerCase()] ?? whole;
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}
