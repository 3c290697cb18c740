import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createBotApi, FAULTY_METHODS } from "./bot-api.js";
import { resolveCommands } from "./commands.js";
import { createControlApi } from "./control-api.js";
import { ApiError, SandboxError } from "./errors.js";
import { guessMimeType } from "./files.js";
import { createFloodModel, type FloodRefusal } from "./flood.js";
import { createLatencyPicker, LATENCY_SPLITS, MODEL_LATENCY } from "./latency.js";
import { createRandom } from "./random.js";
import { BodyTooLarge, BodyUnparsable, parseParams, readBody } from "./request-body.js";
import { createWorld, snapshot } from "./state.js";
import type {
  ChatRecord,
  Faults,
  FloodLimits,
  FloodModelName,
  Latency,
  OutageMode,
  OutageOptions,
  Sandbox,
  SandboxBot,
  SandboxOptions,
  SandboxRequestEvent,
} from "./types.js";

export const DEFAULT_SANDBOX_TOKEN = "123456789:SANDBOX_token_for_local_use_only";

export const DEFAULT_SANDBOX_BOT: SandboxBot = {
  token: DEFAULT_SANDBOX_TOKEN,
  username: "herald_sandbox_bot",
  first_name: "Herald",
};

export const DEFAULT_FAULTS: Faults = { errorRate: 0, slowRate: 0, slowMs: 2000, dropRate: 0 };
/** The latency of the default (strict) model; see MODEL_LATENCY for the others. */
export const DEFAULT_LATENCY: Latency = MODEL_LATENCY.strict;
const DEFAULT_SEED = 0x5eed;
const DEFAULT_WAIT_MS = 10_000;
export const OUTAGE_MODES: readonly OutageMode[] = ["5xx", "hang", "lost"];
/** A call hung by an outage is cut this long after the outage ends: the client's own timeout should fire first. */
const DEFAULT_HANG_EXTRA_MS = 3000;
const MAX_OUTAGE_SECONDS = 3600;

type Fault = "error" | "slow" | "drop-before" | "drop-after" | undefined;

function validateShare(name: string, v: number): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new SandboxError(400, `${name} must be a number between 0 and 1, got ${String(v)}`);
  }
}

function validateMs(name: string, v: number): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new SandboxError(400, `${name} must be a number of milliseconds >= 0, got ${String(v)}`);
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function describe(rec: ChatRecord): string {
  const media = rec.photo
    ? "[photo]"
    : rec.document
      ? "[document]"
      : rec.sticker
        ? "[sticker]"
        : rec.video
          ? "[video]"
          : "";
  const body = rec.text ?? rec.caption ?? media;
  const short = body.length > 60 ? `${body.slice(0, 57)}...` : body;
  return `#${rec.message_id} ${rec.method ?? "?"}${rec.deleted ? " (deleted)" : ""} ${JSON.stringify(short)}`;
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = options.clock ?? { now: () => Date.now() };
  const events = new EventEmitter();
  // Many concurrent waitForBotMessage calls each listen; that is expected, not a leak.
  events.setMaxListeners(0);
  const flood = createFloodModel({
    clock,
    ...(options.limits && { limits: options.limits }),
    ...(options.model !== undefined && { model: options.model }),
    ...(options.hiddenRate !== undefined && { hiddenRate: options.hiddenRate }),
  });
  const world = createWorld({
    bots: options.bots ?? [DEFAULT_SANDBOX_BOT],
    clock,
    flood,
    events,
    guessMime: guessMimeType,
  });
  const api = createBotApi(world);
  const faults: Faults = { ...DEFAULT_FAULTS };
  const latency: Latency = { ...MODEL_LATENCY[flood.model] };
  // Until latency is set explicitly it follows the model.
  let latencyExplicit = false;
  const seed = options.seed ?? DEFAULT_SEED;
  // Separate streams so changing latency settings does not reshuffle which calls fail.
  const faultRandom = createRandom(seed);
  const pickLatency = createLatencyPicker(seed ^ 0x9e3779b9);
  const outageRandom = createRandom(seed ^ 0x07a6e5);
  let outageEndsAt = 0;
  let outageModes: readonly OutageMode[] = OUTAGE_MODES;
  let hangExtraMs = DEFAULT_HANG_EXTRA_MS;

  /** Bot API requests received so far: orders receipts against 429 deliveries. */
  let receivedCount = 0;
  let server: Server | undefined;
  let baseUrl: string | undefined;
  let closed = false;
  const sleepers = new Set<() => void>();
  const waiters = new Set<(err: Error) => void>();

  const setFaults = (f: Partial<Faults>): void => {
    const next = { ...faults, ...f };
    validateShare("errorRate", next.errorRate);
    validateShare("slowRate", next.slowRate);
    validateShare("dropRate", next.dropRate);
    validateMs("slowMs", next.slowMs);
    Object.assign(faults, next);
  };
  const setLatency = (l: Partial<Latency>): void => {
    const next = { ...latency, ...l };
    validateMs("minMs", next.minMs);
    validateMs("maxMs", next.maxMs);
    if (next.maxMs < next.minMs) throw new SandboxError(400, "latency maxMs must be >= minMs");
    if (next.split !== undefined && !LATENCY_SPLITS.includes(next.split)) {
      throw new SandboxError(
        400,
        `latency split must be one of ${LATENCY_SPLITS.join(", ")}, got ${String(next.split)}`,
      );
    }
    Object.assign(latency, next);
    latencyExplicit = true;
  };
  const setModel = (model: FloodModelName, opts: { hiddenRate?: number } = {}): void => {
    try {
      flood.setModel(model, opts);
    } catch (err) {
      if (err instanceof RangeError) throw new SandboxError(400, err.message);
      throw err;
    }
    if (!latencyExplicit) Object.assign(latency, MODEL_LATENCY[model]);
  };
  const startOutage = (seconds: number, opts: OutageOptions = {}): void => {
    if (
      typeof seconds !== "number" ||
      !Number.isFinite(seconds) ||
      seconds <= 0 ||
      seconds > MAX_OUTAGE_SECONDS
    ) {
      throw new SandboxError(
        400,
        `outage seconds must be a number > 0 and <= ${MAX_OUTAGE_SECONDS}, got ${String(seconds)}`,
      );
    }
    const modes = opts.modes ?? OUTAGE_MODES;
    if (!Array.isArray(modes) || modes.length === 0 || !modes.every((m) => OUTAGE_MODES.includes(m))) {
      throw new SandboxError(400, `outage modes must be a non-empty list of ${OUTAGE_MODES.join(", ")}`);
    }
    if (opts.hangExtraMs !== undefined) validateMs("hangExtraMs", opts.hangExtraMs);
    outageModes = [...modes];
    hangExtraMs = opts.hangExtraMs ?? DEFAULT_HANG_EXTRA_MS;
    outageEndsAt = Math.max(outageEndsAt, Date.now() + seconds * 1000);
  };
  const setLimits = (l: Partial<FloodLimits>): void => {
    try {
      flood.setLimits(l);
    } catch (err) {
      if (err instanceof RangeError) throw new SandboxError(400, err.message);
      throw err;
    }
  };
  setFaults(options.faults ?? {});
  if (options.latency) setLatency(options.latency);

  const sleep = (ms: number): Promise<void> => {
    if (ms <= 0 || closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  };

  const pickFault = (): Fault => {
    // Always draw twice so the sequence of faults depends only on the seed and the call order.
    const r = faultRandom();
    const half = faultRandom();
    if (r < faults.errorRate) return "error";
    if (r < faults.errorRate + faults.dropRate) return half < 0.5 ? "drop-before" : "drop-after";
    if (r < faults.errorRate + faults.dropRate + faults.slowRate) return "slow";
    return undefined;
  };

  const drawLatency = () => pickLatency(latency, flood.model === "jitter");

  /** The way this call fails if an outage is under way (real time, like latency). */
  const pickOutage = (): OutageMode | undefined => {
    if (Date.now() >= outageEndsAt) return undefined;
    return outageModes[Math.floor(outageRandom() * outageModes.length)] ?? "5xx";
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown): boolean => {
    if (res.destroyed || res.writableEnded) return false;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
    });
    res.end(text);
    return true;
  };

  const countError = (status: number): void => {
    if (status >= 200 && status < 300) return;
    const key = String(status);
    world.stats.errors[key] = (world.stats.errors[key] ?? 0) + 1;
  };

  // A bug in the sandbox must not pass for a Telegram 500 unnoticed.
  const reportInternalError = (err: unknown): void => {
    if (events.listenerCount("internal-error") > 0) events.emit("internal-error", err);
    else process.stderr.write(`sandbox internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
  };

  const emitRequest = (event: SandboxRequestEvent): void => {
    events.emit("request", event);
  };

  const cut = (req: IncomingMessage, method: string): void => {
    req.socket.destroy();
    emitRequest({ method, status: 0 });
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
    const { inboundMs, outboundMs } = drawLatency();

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
      outage = pickOutage();
      if (outage) stats.outageCalls++;
      if (outage === "hang") {
        await sleep(outageEndsAt + hangExtraMs - Date.now());
        cut(req, method);
        return;
      }
      if (outage === "5xx") {
        throw outageRandom() < 0.5
          ? new ApiError(500, "Internal Server Error")
          : new ApiError(502, "Bad Gateway");
      }
      if (!bot) throw new ApiError(401, "Unauthorized");
      if (!resolved) throw new ApiError(404, "Not Found");
      fault = FAULTY_METHODS.has(method) ? pickFault() : undefined;
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
      const result = await resolved.handler({
        bot,
        params,
        signal: controller.signal,
        sentAt,
        receivedSeq,
      });
      payload = { ok: true, result };
    } catch (err) {
      if (err instanceof ApiError) {
        status = err.code;
        payload = {
          ok: false,
          error_code: err.code,
          description: err.description,
          ...(err.parameters && { parameters: err.parameters }),
        };
        if (err.code === 429) {
          stats.http429++;
          if (err.scope) stats.http429ByScope[err.scope]++;
          refusal = err.refusal;
          if (refusal?.violation) stats.violations[refusal.violation]++;
        }
      } else {
        status = 500;
        payload = { ok: false, error_code: 500, description: "Internal Server Error" };
        reportInternalError(err);
      }
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
    await sleep(outboundMs + (fault === "slow" ? faults.slowMs : 0));
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

  const handleFile = async (
    req: IncomingMessage,
    res: ServerResponse,
    token: string,
    path: string,
  ): Promise<void> => {
    await readBody(req, 0).catch(() => undefined);
    const { inboundMs, outboundMs } = drawLatency();
    await sleep(inboundMs + outboundMs);
    if (!world.botByToken(token)) {
      sendJson(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
      return;
    }
    const file = world.filesByPath.get(path);
    if (!file?.data) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.data.length });
    res.end(file.data);
  };

  let control: ReturnType<typeof createControlApi> | undefined;

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    const path = url.pathname;
    const botMatch = /^\/bot([^/]+)\/([^/]+)\/?$/.exec(path);
    if (botMatch) {
      await handleBotApi(req, res, url, safeDecode(botMatch[1] ?? ""), botMatch[2] ?? "");
      return;
    }
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (fileMatch) {
      await handleFile(req, res, safeDecode(fileMatch[1] ?? ""), safeDecode(fileMatch[2] ?? ""));
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
      control ??= createControlApi(sandbox);
      const answer = control(req.method ?? "GET", path, url.searchParams, body);
      sendJson(res, answer.status, answer.body);
      return;
    }
    sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
  };

  const sandbox: Sandbox = {
    get url() {
      if (!baseUrl) throw new Error("sandbox is not listening yet: await sandbox.listen() first");
      return baseUrl;
    },
    async listen(opts = {}) {
      if (server) throw new Error("sandbox is already listening");
      if (closed) throw new Error("sandbox was closed; create a new one");
      const host = opts.host ?? "127.0.0.1";
      const s = createServer((req, res) => {
        onRequest(req, res).catch((err: unknown) => {
          reportInternalError(err);
          sendJson(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
        });
      });
      // Long polls hold requests open; Node's default request timeouts would cut them.
      s.requestTimeout = 0;
      s.headersTimeout = 60_000;
      s.keepAliveTimeout = 30_000;
      server = s;
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(opts.port ?? 0, host, () => {
          s.off("error", reject);
          resolve();
        });
      });
      const address = s.address() as AddressInfo;
      const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      baseUrl = `http://${shownHost}:${address.port}`;
      return baseUrl;
    },
    async close() {
      if (closed) return;
      closed = true;
      world.releasePolls();
      for (const wake of [...sleepers]) wake();
      for (const reject of [...waiters]) reject(new Error("sandbox closed while waiting for a bot message"));
      const s = server;
      if (!s) return;
      // Let the answers just written (released polls) reach the wire before sockets are torn down.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    get bots() {
      return world.bots.map((b) => ({ ...b.config }));
    },
    createUser: (u, opts) => world.createUser(u, opts),
    createUsers: (list, opts) => list.map((u) => world.createUser(u, opts)),
    createGroup: (g) => world.createGroup(g),
    userSends: (userId, text, opts) => world.userSends(userId, text, opts),
    userStarts: (userId, payload, opts) => world.userStarts(userId, payload, opts),
    userSendsDocument: (userId, doc, opts) => world.userSendsDocument(userId, doc, opts),
    userSendsPhoto: (userId, photo, opts) => world.userSendsPhoto(userId, photo, opts),
    userSendsSticker: (userId, opts) => world.userSendsSticker(userId, opts),
    userSendsVideo: (userId, video, opts) => world.userSendsVideo(userId, video, opts),
    userPresses: (userId, button, opts) => world.userPresses(userId, button, opts),
    blockBot: (userId, opts) => world.blockBot(userId, opts),
    unblockBot: (userId, opts) => world.unblockBot(userId, opts),
    transcript(chatId, opts = {}) {
      return world.viewChat(chatId, world.bot(opts.botToken)).records.map(snapshot);
    },
    botMessages(chatId, opts = {}) {
      return world
        .viewChat(chatId, world.bot(opts.botToken))
        .records.filter((r) => r.from === "bot" && !r.deleted)
        .map(snapshot);
    },
    waitForBotMessage(chatId, predicate = () => true, opts = {}) {
      const timeoutMs = opts.timeoutMs ?? DEFAULT_WAIT_MS;
      let chat: ReturnType<typeof world.viewChat>;
      try {
        chat = world.viewChat(chatId, world.bot(opts.botToken));
      } catch (err) {
        return Promise.reject(err);
      }
      const matches = (rec: ChatRecord | undefined): boolean =>
        rec !== undefined && rec.from === "bot" && !rec.deleted && predicate(snapshot(rec));
      return new Promise<ChatRecord>((resolve, reject) => {
        const finish = (err: Error | undefined, rec?: ChatRecord): void => {
          clearTimeout(timer);
          events.off("message", onChange);
          events.off("edit", onChange);
          waiters.delete(onClose);
          if (err) reject(err);
          else resolve(snapshot(rec as ChatRecord));
        };
        const onClose = (err: Error): void => finish(err);
        const onChange = (changed: ChatRecord): void => {
          if (changed.chat_id !== chatId) return;
          const live = chat.records[changed.message_id - 1];
          try {
            if (live && matches(live)) finish(undefined, live);
          } catch (err) {
            finish(err as Error);
          }
        };
        const timer = setTimeout(() => {
          const seen = chat.records.filter((r) => r.from === "bot");
          const listing = seen.slice(-10).map(describe).join("; ");
          finish(
            new Error(
              `waitForBotMessage: no matching bot message in chat ${chatId} after ${timeoutMs} ms; ` +
                `saw ${seen.length} bot message(s)${seen.length > 10 ? " (last 10)" : ""}${listing ? `: ${listing}` : ""}`,
            ),
          );
        }, timeoutMs);
        waiters.add(onClose);
        events.on("message", onChange);
        events.on("edit", onChange);
        try {
          const existing = chat.records.find(matches);
          if (existing) finish(undefined, existing);
        } catch (err) {
          finish(err as Error);
        }
      });
    },
    callbackAnswers: () => world.callbackAnswers.map((a) => ({ ...a })),
    commands(opts = {}) {
      return [...world.bot(opts.botToken).commands.values()].map((c) => structuredClone(c));
    },
    commandsFor(chatId, opts = {}) {
      const b = world.bot(opts.botToken);
      const chat = world.viewChat(chatId, b);
      if (chat.type === "private" && opts.userId !== undefined && opts.userId !== chatId) {
        throw new SandboxError(400, `only user ${chatId} sees the private chat ${chatId}`);
      }
      const userId = opts.userId ?? (chat.type === "private" ? chatId : undefined);
      const user = userId === undefined ? undefined : world.user(userId);
      if (userId !== undefined && !user) throw new SandboxError(404, `unknown user ${userId}`);
      const status = userId === undefined ? "left" : world.memberStatus(chat, userId);
      const languageCode = opts.languageCode ?? user?.language_code;
      return resolveCommands([...b.commands.values()], {
        chatId: chat.id,
        chatType: chat.type,
        ...(userId !== undefined && { userId }),
        isAdmin: chat.type !== "private" && (status === "creator" || status === "administrator"),
        ...(languageCode !== undefined && { languageCode }),
      });
    },
    fileContent(fileId) {
      const data = world.files.get(fileId)?.data;
      return data ? Buffer.from(data) : undefined;
    },
    stats: () => structuredClone(world.stats),
    resetStats: () => world.resetStats(),
    setLimits,
    setFaults,
    setLatency,
    setModel,
    get model() {
      return flood.model;
    },
    get hiddenRate() {
      return flood.hiddenRate;
    },
    startOutage,
    endOutage() {
      outageEndsAt = 0;
    },
    get outage() {
      const remainingMs = Math.max(0, outageEndsAt - Date.now());
      return { active: remainingMs > 0, remainingMs };
    },
    get limits() {
      return flood.limits;
    },
    get faults() {
      return { ...faults };
    },
    get latency() {
      return { ...latency };
    },
    events,
  };
  return sandbox;
}
