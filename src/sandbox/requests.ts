import type { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type createBotApi, FAULTY_METHODS } from "./bot-api.js";
import type { Conditions, Fault } from "./conditions.js";
import { ApiError } from "./errors.js";
import type { FloodRefusal } from "./flood.js";
import { BodyTooLarge, BodyUnparsable, parseParams, readBody } from "./request-body.js";
import type { World } from "./state.js";
import type { OutageMode, SandboxClock, SandboxRequestEvent, SandboxStats } from "./types.js";

export interface RequestDeps {
  world: World;
  api: ReturnType<typeof createBotApi>;
  clock: SandboxClock;
  events: EventEmitter;
  conditions: Conditions;
  sleep(ms: number): Promise<void>;
  /** The control API's answer to a /sandbox route. */
  control(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Buffer,
  ): { status: number; body: unknown };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): boolean {
  if (res.destroyed || res.writableEnded) return false;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
  return true;
}

/** A bug in the sandbox must not pass for a Telegram 500 unnoticed. */
export function reportInternalError(events: EventEmitter, err: unknown): void {
  if (events.listenerCount("internal-error") > 0) events.emit("internal-error", err);
  else process.stderr.write(`sandbox internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
}

/** The Bot API error answer for what a call threw; a 429 is counted by scope and violation. */
function errorAnswer(
  err: unknown,
  stats: SandboxStats,
  events: EventEmitter,
): { status: number; payload: unknown; refusal?: FloodRefusal | undefined } {
  if (!(err instanceof ApiError)) {
    reportInternalError(events, err);
    return { status: 500, payload: { ok: false, error_code: 500, description: "Internal Server Error" } };
  }
  const payload = {
    ok: false,
    error_code: err.code,
    description: err.description,
    ...(err.parameters && { parameters: err.parameters }),
  };
  if (err.code !== 429) return { status: err.code, payload };
  stats.http429++;
  if (err.scope) stats.http429ByScope[err.scope]++;
  const refusal = err.refusal;
  if (refusal?.violation) stats.violations[refusal.violation]++;
  return { status: err.code, payload, refusal };
}

/** GET /file/bot<token>/<path>: the bytes getFile points at, after a round trip's latency. */
async function handleFile(
  d: RequestDeps,
  req: IncomingMessage,
  res: ServerResponse,
  token: string,
  path: string,
): Promise<void> {
  await readBody(req, 0).catch(() => undefined);
  const { inboundMs, outboundMs } = d.conditions.drawLatency();
  await d.sleep(inboundMs + outboundMs);
  if (!d.world.botByToken(token)) {
    sendJson(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
    return;
  }
  const file = d.world.filesByPath.get(path);
  if (!file?.data) {
    sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    return;
  }
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.data.length });
  res.end(file.data);
}

/** Routes the sandbox's HTTP requests: the Bot API, file downloads and the control API. */
export function createRequestHandler(
  d: RequestDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { world, api, clock, events, conditions, sleep } = d;
  /** Bot API requests received so far: orders receipts against 429 deliveries. */
  let receivedCount = 0;

  const emitRequest = (event: SandboxRequestEvent): void => {
    events.emit("request", event);
  };
  const cut = (req: IncomingMessage, method: string): void => {
    req.socket.destroy();
    emitRequest({ method, status: 0 });
  };
  const countError = (status: number): void => {
    if (status >= 200 && status < 300) return;
    const key = String(status);
    world.stats.errors[key] = (world.stats.errors[key] ?? 0) + 1;
  };
  const drop = (req: IncomingMessage, method: string): void => {
    world.stats.dropped++;
    cut(req, method);
  };

  const handleBotApi = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    token: string,
    rawMethod: string,
  ): Promise<void> => {
    // Taken before anything else: the client sent it about now.
    const sentAt = clock.now();
    const receivedSeq = ++receivedCount;
    const stats = world.stats;
    stats.requests++;
    const resolved = api.resolve(rawMethod);
    const method = resolved?.name ?? rawMethod;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    const bot = world.botByToken(token);
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const { inboundMs, outboundMs } = conditions.drawLatency();

    let status = 200;
    let payload: unknown;
    let fault: Fault;
    let outage: OutageMode | undefined;
    let refusal: FloodRefusal | undefined;
    try {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (err) {
        if (err instanceof BodyTooLarge) throw new ApiError(413, "Request Entity Too Large");
        throw err;
      }
      // The request "arrives" (and meets flood control) only after the inbound half of its latency.
      await sleep(inboundMs);
      outage = conditions.pickOutage();
      if (outage) stats.outageCalls++;
      if (outage === "hang") {
        await sleep(conditions.outageEndsAt() + conditions.hangExtraMs() - Date.now());
        cut(req, method);
        return;
      }
      if (outage === "5xx") {
        throw conditions.outageStatusIs500()
          ? new ApiError(500, "Internal Server Error")
          : new ApiError(502, "Bad Gateway");
      }
      if (!bot) throw new ApiError(401, "Unauthorized");
      if (!resolved) throw new ApiError(404, "Not Found");
      fault = FAULTY_METHODS.has(method) ? conditions.pickFault() : undefined;
      if (outage) fault = undefined;
      if (fault === "error") throw new ApiError(500, "Internal Server Error");
      if (fault === "drop-before") {
        drop(req, method);
        return;
      }
      let params: Record<string, unknown>;
      try {
        params = parseParams(req.headers["content-type"], body, url.searchParams);
      } catch (err) {
        if (err instanceof BodyUnparsable) throw new ApiError(400, `Bad Request: ${err.message}`);
        throw err;
      }
      const result = await resolved.handler({ bot, params, signal: controller.signal, sentAt, receivedSeq });
      payload = { ok: true, result };
    } catch (err) {
      ({ status, payload, refusal } = errorAnswer(err, stats, events));
    }
    if (fault === "drop-after") {
      drop(req, method);
      return;
    }
    if (outage === "lost") {
      // Processed (a message is stored), but the answer never reaches the client.
      cut(req, method);
      return;
    }
    countError(status);
    await sleep(outboundMs + (fault === "slow" ? conditions.faults.slowMs : 0));
    // A client that hung up (an aborted long poll) got no answer, so none is reported.
    if (sendJson(res, status, payload)) {
      if (refusal) {
        const told = refusal;
        // The client knows about this 429 from now on, but requests already waiting on the sandbox's
        // sockets were sent before it could: the delivery counts once those have been read (after this
        // turn's I/O). Later sends into its retry_after are penalties.
        setImmediate(() => told.delivered(clock.now(), receivedCount));
      }
      emitRequest({ method, status });
    }
  };

  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    const path = url.pathname;
    const botMatch = /^\/bot([^/]+)\/([^/]+)\/?$/.exec(path);
    if (botMatch) {
      await handleBotApi(req, res, url, safeDecode(botMatch[1] ?? ""), botMatch[2] ?? "");
      return;
    }
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (fileMatch) {
      await handleFile(d, req, res, safeDecode(fileMatch[1] ?? ""), safeDecode(fileMatch[2] ?? ""));
      return;
    }
    if (path === "/sandbox" || path.startsWith("/sandbox/")) {
      let body: Buffer;
      try {
        body = await readBody(req, 64 * 1024 * 1024);
      } catch {
        sendJson(res, 413, { error: "bad_request", message: "body too large" });
        return;
      }
      const answer = d.control(req.method ?? "GET", path, url.searchParams, body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
  };
}
