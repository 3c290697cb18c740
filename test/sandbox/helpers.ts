import { Api, GrammyError } from "grammy";
import {
  createSandbox,
  DEFAULT_SANDBOX_TOKEN,
  type Sandbox,
  type SandboxOptions,
} from "../../src/sandbox/index.js";

export const TOKEN = DEFAULT_SANDBOX_TOKEN;

export interface Harness {
  sb: Sandbox;
  api: Api;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Harness> {
  const sb = createSandbox(opts);
  await sb.listen();
  const api = new Api(TOKEN, { apiRoot: sb.url });
  return { sb, api, close: () => sb.close() };
}

export function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** The GrammyError a call fails with; fails the test if it succeeds. */
export async function apiError(call: Promise<unknown>): Promise<GrammyError> {
  try {
    await call;
  } catch (err) {
    if (err instanceof GrammyError) return err;
    throw err;
  }
  throw new Error("expected the Bot API call to fail");
}

export interface RawAnswer {
  status: number;
  body: {
    ok: boolean;
    result?: unknown;
    error_code?: number;
    description?: string;
    parameters?: { retry_after?: number };
  };
}

/** A Bot API call without grammY, for wire-format checks. */
export async function rawCall(
  sb: Sandbox,
  method: string,
  body?: Record<string, unknown> | URLSearchParams | FormData,
  opts: { token?: string; httpMethod?: string; query?: string } = {},
): Promise<RawAnswer> {
  const url = `${sb.url}/bot${opts.token ?? TOKEN}/${method}${opts.query ? `?${opts.query}` : ""}`;
  const init: RequestInit = { method: opts.httpMethod ?? "POST" };
  if (body instanceof URLSearchParams || body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as RawAnswer["body"] };
}

/** A user who already pressed Start, so the bot may write to them. */
export function startedUser(sb: Sandbox, firstName = "Ann"): number {
  const user = sb.createUser({
    first_name: firstName,
    username: firstName.toLowerCase(),
    language_code: "en",
  });
  sb.userStarts(user.id);
  return user.id;
}

/** A minimal valid PNG header of the given size (enough for dimension sniffing). */
export function pngHeader(width: number, height: number): Buffer {
  const buf = Buffer.alloc(33);
  buf.writeUInt32BE(0x89504e47, 0);
  buf.writeUInt32BE(0x0d0a1a0a, 4);
  buf.writeUInt32BE(13, 8);
  buf.write("IHDR", 12, "ascii");
  buf.writeUInt32BE(width, 16);
  buf.writeUInt32BE(height, 20);
  return buf;
}
