/**
 * Where a spot in a Telegram HTML template lands once sent, so a value put there can be escaped for
 * that place: text, a link's address (the whole of it, or a part after what the author wrote), some
 * other attribute, or inside a tag outside any quotes.
 */
export type HtmlPlace = "text" | "url" | "url-part" | "attribute" | "bare";

type State = "text" | "tag-name" | "tag" | "after-equals" | "quoted" | "unquoted";

/**
 * Reads a template left to right, one call per placeholder (in order), and tells where each one is.
 * Placeholders themselves are skipped as one opaque piece, so a fallback's `"` or `<` cannot move
 * the reading out of its attribute.
 */
export function createHtmlPlaces(template: string): (start: number, end: number) => HtmlPlace {
  let position = 0;
  let state: State = "text";
  let tag = "";
  let word = "";
  let attribute = "";
  let quote = "";
  let valueLength = 0;

  const read = (ch: string) => {
    const space = /\s/.test(ch);
    switch (state) {
      case "text":
        if (ch === "<") [state, tag] = ["tag-name", ""];
        return;
      case "tag-name":
        if (ch === ">") state = "text";
        else if (space) [state, word] = ["tag", ""];
        else tag += ch.toLowerCase();
        return;
      case "tag":
        if (ch === ">") state = "text";
        else if (ch === "=") [state, attribute] = ["after-equals", word.toLowerCase()];
        else if (space) word = "";
        else word += ch;
        return;
      case "after-equals":
        if (ch === '"' || ch === "'") [state, quote, valueLength] = ["quoted", ch, 0];
        else if (ch === ">") state = "text";
        else if (!space) state = "unquoted";
        return;
      case "quoted":
        if (ch === quote) [state, word] = ["tag", ""];
        else valueLength++;
        return;
      case "unquoted":
        if (ch === ">") state = "text";
        else if (space) [state, word] = ["tag", ""];
    }
  };

  return (start, end) => {
    for (; position < start; position++) read(template[position] as string);
    position = end;
    const place = placeOf();
    if (state === "quoted") valueLength++;
    if (state === "after-equals") state = "unquoted";
    return place;
  };

  function placeOf(): HtmlPlace {
    if (state === "text") return "text";
    if (state !== "quoted") return "bare";
    if (tag !== "a" || attribute !== "href") return "attribute";
    return valueLength === 0 ? "url" : "url-part";
  }
}
