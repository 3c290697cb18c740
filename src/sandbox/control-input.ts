import type { MessageEntity } from "./types.js";

// Readers of control API bodies: each throws BadInput (answered 400) with the field's name.

export type Body = Record<string, unknown>;

export class BadInput extends Error {}

export function optionalString(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new BadInput(`${key} must be a string`);
  return v;
}

export function requiredString(body: Body, key: string): string {
  const v = optionalString(body, key);
  if (v === undefined) throw new BadInput(`${key} is required`);
  return v;
}

export function optionalInt(body: Body, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new BadInput(`${key} must be an integer`);
  return n;
}

export function requiredInt(body: Body, key: string): number {
  const v = optionalInt(body, key);
  if (v === undefined) throw new BadInput(`${key} is required`);
  return v;
}

export function optionalObject(body: Body, key: string): Record<string, number> | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw new BadInput(`${key} must be an object`);
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== "number" || !Number.isFinite(n)) throw new BadInput(`${key}.${k} must be a number`);
  }
  return v as Record<string, number>;
}

export function optionalEntities(body: Body, key: string): MessageEntity[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new BadInput(`${key} must be an array of MessageEntity`);
  return v as MessageEntity[];
}

export function optionalIntArray(body: Body, key: string): number[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((m) => Number.isSafeInteger(m)))
    throw new BadInput(`${key} must be an array of integers`);
  return v as number[];
}

export function optionalBase64(body: Body, key: string): Buffer | undefined {
  const v = optionalString(body, key);
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) throw new BadInput(`${key} must be base64`);
  return Buffer.from(v, "base64");
}

/** Drops undefined values, so optional fields stay absent rather than present-but-undefined. */
export function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const botOpt = (body: Body): { botToken?: string } => {
  const botToken = optionalString(body, "bot_token");
  return botToken === undefined ? {} : { botToken };
};

export function optionalNumber(body: Body, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new BadInput(`${key} must be a number`);
  return v;
}

export function optionalField<K extends string>(body: Body, key: K): Partial<Record<K, string>> {
  const v = optionalString(body, key);
  return v === undefined ? {} : ({ [key]: v } as Partial<Record<K, string>>);
}
