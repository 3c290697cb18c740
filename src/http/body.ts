/*
 * Request bodies are read as UTF-8 and nothing else: a body declared in another charset would be
 * read as mojibake that still passes every check (a Windows-1251 form is the usual case), so it is
 * refused with 415; bytes that are not valid UTF-8 are refused with 400.
 */

export type DecodedBody =
  | { ok: true; text: string }
  | { ok: false; status: 400 | 415; error: "unsupported_charset" | "invalid_utf8"; message: string };

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)"?/i;

export function decodeBody(contentType: string | undefined, raw: Buffer): DecodedBody {
  const declared = CHARSET.exec(contentType ?? "")?.[1]
    ?.toLowerCase()
    .slice(0, 40);
  if (declared !== undefined && declared !== "utf-8" && declared !== "utf8") {
    return {
      ok: false,
      status: 415,
      error: "unsupported_charset",
      message: `the body is declared as charset=${declared || "(empty)"}; Herald reads UTF-8 only: send charset=utf-8`,
    };
  }
  try {
    // `fatal` refuses invalid sequences instead of replacing them; the BOM is dropped.
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(raw) };
  } catch {
    return { ok: false, status: 400, error: "invalid_utf8", message: "the body is not valid UTF-8" };
  }
}

/** The refusal as an error Fastify's content-type parsers pass on to the error handler. */
export function bodyError(refusal: Extract<DecodedBody, { ok: false }>): Error {
  return Object.assign(new Error(refusal.message), { statusCode: refusal.status, code: refusal.error });
}

const PROTO_KEY = /"__proto__"\s*:/;
const CONSTRUCTOR_KEY = /"constructor"\s*:/;

/**
 * Fastify's JSON parser refuses a body with a `__proto__` key (or `constructor.prototype`) as
 * "not valid JSON"; this names the key instead, so the sender knows which field to rename.
 */
export function prototypeKeyError(text: string): Error | undefined {
  const key = PROTO_KEY.test(text) ? "__proto__" : CONSTRUCTOR_KEY.test(text) ? "constructor" : undefined;
  if (key === undefined || !isPlainJson(text)) return undefined;
  return Object.assign(
    new Error(`the body has a key "${key}", which could reach an object's prototype: rename that field`),
    { statusCode: 400, code: "forbidden_key" },
  );
}

/** Valid JSON to the letter (a `__proto__` key becomes an own property here, touching no prototype). */
function isPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
