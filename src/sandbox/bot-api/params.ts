import { badRequest } from "../errors.js";
import type { Params } from "../request-body.js";

// JSON bodies carry typed values, form bodies carry strings: every reader accepts both.

export function str(p: Params, key: string): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

export function int(p: Params, key: string): number | undefined {
  const v = p[key];
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

export function bool(p: Params, key: string): boolean {
  const v = p[key];
  return v === true || v === "true" || v === "True" || v === "1" || v === 1;
}

export function json(p: Params, key: string, what: string): unknown {
  const v = p[key];
  if (typeof v !== "string") return v;
  if (v === "") return undefined;
  try {
    return JSON.parse(v);
  } catch {
    throw badRequest(`can't parse ${what} JSON object`);
  }
}

export function chatIdParam(p: Params, key = "chat_id"): number {
  const raw = str(p, key)?.trim();
  if (raw === undefined || raw === "") throw badRequest(`${key} is empty`);
  // Only public channels/supergroups have @usernames; the sandbox has none.
  if (!/^-?\d{1,20}$/.test(raw)) throw badRequest("chat not found");
  return Number(raw);
}

export function messageIdParam(p: Params, key = "message_id"): number {
  const id = int(p, key);
  if (id === undefined) throw badRequest("message identifier is not specified");
  return id;
}
