import type { IncomingMessage } from "node:http";

export interface UploadedFile {
  kind: "upload";
  filename: string;
  contentType: string;
  data: Buffer;
}

export type ParamValue = string | number | boolean | null | UploadedFile | object;
export type Params = Record<string, unknown>;

/** Telegram's limit for bot uploads. */
export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export class BodyTooLarge extends Error {
  override readonly name = "BodyTooLarge";
}

export class BodyUnparsable extends Error {
  override readonly name = "BodyUnparsable";
}

export function isUpload(v: unknown): v is UploadedFile {
  return typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "upload";
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLarge(`request body exceeds ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Query string, then JSON / urlencoded / multipart body, later sources winning like the Bot API. */
export function parseParams(contentType: string | undefined, body: Buffer, query: URLSearchParams): Params {
  const params: Params = {};
  for (const [k, v] of query) params[k] = v;
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (body.length === 0) return params;
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw new BodyUnparsable("can't parse JSON body");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new BodyUnparsable("JSON body must be an object");
    }
    Object.assign(params, parsed);
  } else if (type === "application/x-www-form-urlencoded") {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
  } else if (type === "multipart/form-data") {
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) throw new BodyUnparsable("multipart body without boundary");
    Object.assign(params, parseMultipart(body, b));
  }
  return params;
}

/**
 * A forgiving multipart/form-data parser. Node's built-in `Request.formData()` rejects the headers
 * grammY writes (no space after the colon, unquoted filename), so we parse by hand.
 */
export function parseMultipart(body: Buffer, boundary: string): Params {
  const params: Params = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new BodyUnparsable("multipart boundary not found");
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    if (body[pos] === 0x0d) pos++;
    if (body[pos] === 0x0a) pos++;
    const next = body.indexOf(delimiter, pos);
    if (next < 0) break;
    let partEnd = next;
    if (body[partEnd - 1] === 0x0a) partEnd--;
    if (body[partEnd - 1] === 0x0d) partEnd--;
    const part = body.subarray(pos, partEnd);
    let headerEnd = part.indexOf("\r\n\r\n");
    let sepLen = 4;
    if (headerEnd < 0) {
      headerEnd = part.indexOf("\n\n");
      sepLen = 2;
    }
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString("utf8");
      const content = part.subarray(headerEnd + sepLen);
      addPart(params, headers, content);
    }
    pos = next;
  }
  return params;
}

function addPart(params: Params, headerText: string, content: Buffer): void {
  let disposition = "";
  let contentType = "application/octet-stream";
  for (const line of headerText.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  const name = dispositionParam(disposition, "name");
  if (name === undefined) return;
  const filename = dispositionParam(disposition, "filename");
  if (filename === undefined) {
    params[name] = content.toString("utf8");
    return;
  }
  const file: UploadedFile = { kind: "upload", filename, contentType, data: Buffer.from(content) };
  params[name] = file;
}

function dispositionParam(disposition: string, key: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;]*))`, "i");
  const m = re.exec(disposition);
  if (!m) return undefined;
  if (m[1] !== undefined) return m[1].replace(/\\(.)/g, "$1");
  return m[2]?.trim();
}
