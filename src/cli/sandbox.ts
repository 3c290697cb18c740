/**
 * Standalone Telegram Bot API sandbox: `npm run sandbox -- --port 8081 --rate 30 --latency 20-60 --model strict`.
 * Point a bot at it with grammY's `client.apiRoot` and drive users through the /sandbox control API.
 */
import { parseArgs } from "node:util";
import { createSandbox, DEFAULT_SANDBOX_TOKEN, FLOOD_MODELS, isFloodModelName } from "../sandbox/index.js";

const USAGE = `Usage: npm run sandbox -- [options]

  --port <n>          port to listen on (default 8081, 0 = random)
  --host <host>       interface to bind (default 127.0.0.1)
  --rate <n>          bulk messages per second per bot (default 30, 0 = unlimited)
  --model <name>      flood model: bucket (token buckets, default), strict (sliding windows),
                      hidden (strict, real bulk limit --hidden-rate), jitter (strict, 10-400 ms
                      latency with 1-2 s spikes)
  --hidden-rate <n>   the hidden model's real bulk limit (implies --model hidden; default 80% of --rate)
  --latency <min-max> answer delay in ms (default 20-60 with bucket, else the model's: 15-25 strict
                      and hidden, 10-400 jitter)
  --error-rate <0..1> share of send/edit calls answered 500 (default 0)
  --drop-rate <0..1>  share of send/edit calls whose connection is dropped (default 0)
  --seed <n>          PRNG seed for latency and faults
  -h, --help          show this help`;

function fail(message: string): never {
  process.stderr.write(`sandbox: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function numberOption(name: string, raw: string | undefined, min: number, max = Number.POSITIVE_INFINITY) {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    const range = Number.isFinite(max) ? `between ${min} and ${max}` : `>= ${min}`;
    fail(`--${name} must be a number ${range}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      rate: { type: "string" },
      model: { type: "string" },
      "hidden-rate": { type: "string" },
      latency: { type: "string" },
      "error-rate": { type: "string" },
      "drop-rate": { type: "string" },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const str = (key: string): string | undefined => {
  const v = values[key];
  return typeof v === "string" ? v : undefined;
};

const port = numberOption("port", str("port") ?? "8081", 0, 65535) as number;
const host = str("host") ?? "127.0.0.1";
const rate = numberOption("rate", str("rate"), 0);
const errorRate = numberOption("error-rate", str("error-rate"), 0, 1);
const dropRate = numberOption("drop-rate", str("drop-rate"), 0, 1);
const seed = numberOption("seed", str("seed"), 0);
const hiddenRate = numberOption("hidden-rate", str("hidden-rate"), 0.001);
const modelRaw = str("model") ?? (hiddenRate === undefined ? "bucket" : "hidden");
if (!isFloodModelName(modelRaw))
  fail(`--model must be one of ${FLOOD_MODELS.join(", ")}, got ${JSON.stringify(modelRaw)}`);
const model = modelRaw;
if (hiddenRate !== undefined && model !== "hidden") fail("--hidden-rate goes with --model hidden");
const latencyRaw = str("latency") ?? (model === "bucket" ? "20-60" : undefined);
let latency: { minMs: number; maxMs: number } | undefined;
if (latencyRaw !== undefined) {
  const latencyMatch = /^(\d+)(?:-(\d+))?$/.exec(latencyRaw);
  if (!latencyMatch) fail(`--latency must look like 20-60, got ${JSON.stringify(latencyRaw)}`);
  latency = { minMs: Number(latencyMatch[1]), maxMs: Number(latencyMatch[2] ?? latencyMatch[1]) };
  if (latency.maxMs < latency.minMs) fail("--latency max must be >= min");
}

const sandbox = createSandbox({
  model,
  ...(latency && { latency }),
  ...(hiddenRate !== undefined && { hiddenRate }),
  faults: { ...(errorRate !== undefined && { errorRate }), ...(dropRate !== undefined && { dropRate }) },
  ...(rate !== undefined && { limits: { bulkPerSecond: rate } }),
  ...(seed !== undefined && { seed }),
});

let url: string;
try {
  url = await sandbox.listen({ host, port });
} catch (err) {
  fail(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
}

const bot = sandbox.bots[0];
process.stdout.write(`Telegram Bot API sandbox listening on ${url}
  bot:      @${bot?.username} (token ${bot?.token ?? DEFAULT_SANDBOX_TOKEN})
  model:    ${sandbox.model}${sandbox.model === "hidden" ? ` (real bulk limit ${sandbox.hiddenRate}/s)` : ""}
  limits:   ${JSON.stringify(sandbox.limits)}
  latency:  ${sandbox.latency.minMs}-${sandbox.latency.maxMs} ms${sandbox.model === "jitter" ? " (2% spikes of 1-2 s)" : ""}   faults: ${JSON.stringify(sandbox.faults)}

Point grammY at it:   new Bot(token, { client: { apiRoot: "${url}" } })

Try it:
  curl -s -X POST ${url}/sandbox/users -H 'content-type: application/json' -d '{"first_name":"Ann"}'
  curl -s -X POST ${url}/sandbox/users/100000001/start -H 'content-type: application/json' -d '{"payload":"evt_1"}'
  curl -s -X POST ${url}/sandbox/users/100000001/messages -H 'content-type: application/json' -d '{"text":"hello"}'
  curl -s ${url}/bot${DEFAULT_SANDBOX_TOKEN}/getUpdates
  curl -s ${url}/sandbox/chats/100000001/messages
  curl -s ${url}/sandbox/stats
  curl -s -X PATCH ${url}/sandbox/config -H 'content-type: application/json' -d '{"faults":{"errorRate":0.05}}'
  curl -s -X PATCH ${url}/sandbox/config -H 'content-type: application/json' -d '{"model":"strict"}'
  curl -s -X POST ${url}/sandbox/outage -H 'content-type: application/json' -d '{"seconds":10}'
  curl -s ${url}/sandbox            # every control route

Ctrl+C to stop.
`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping sandbox\n`);
  sandbox.close().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`sandbox: error while closing: ${String(err)}\n`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
