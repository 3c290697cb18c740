import type { BaselineResult } from "./baselines.js";
import type { RunFigures } from "./count.js";
import type { BenchOptions } from "./options.js";
import type { BenchResult, HeraldRunResult } from "./run.js";

export const TARGETS = {
  // The flood-gate issue's figure: pacing keeps a jitter margin (1 s + 40 ms windows), so 0.96 is the
  // most a run can reach against an exact limit.
  efficiency: 0.95,
  http429Share: 0.005,
  interactiveP95Ms: 300,
  peakRssMb: 250,
} as const;

const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

const efficiencyOf = (msgsPerSecond: number, limit: number): number | null =>
  limit > 0 ? round(msgsPerSecond / limit, 3) : null;

/** The limit the sandbox really enforced: under the hidden model, the hidden rate, not the one Herald was told. */
export function realLimit(options: Pick<BenchOptions, "rate" | "model" | "hiddenRate">): number {
  return options.model === "hidden" && options.hiddenRate !== undefined ? options.hiddenRate : options.rate;
}

const violationsJson = (v: RunFigures["violations"]) => ({
  bulk: v.bulk,
  perChat: v.perChat,
  group: v.group,
  penalty: v.penalty,
});

const rateOrNull = (value: number | null): number | null => (value === null ? null : round(value, 2));

function baselineJson(b: BaselineResult) {
  return {
    recipients: b.recipients,
    seconds: round(b.seconds, 2),
    msgsPerSecond: round(b.msgsPerSecond, 2),
    delivered: b.delivered,
    http429: b.http429,
    violations: violationsJson(b.violations),
    interactiveP95Ms: b.probe.p95Ms,
  };
}

/** The one-line summary `--json` ends with, in the issue's shape. */
export function summaryJson(result: BenchResult): Record<string, unknown> {
  const h = result.herald;
  const limit = result.options.rate;
  const real = realLimit(result.options);
  return {
    model: result.options.model,
    latencySplit: result.options.latency.split,
    recipients: h.recipients,
    delivered: h.delivered,
    lost: h.lost,
    duplicates: h.duplicates,
    seconds: round(h.seconds, 2),
    msgsPerSecond: round(h.msgsPerSecond, 2),
    limit,
    ...(real !== limit && { hiddenRate: real }),
    efficiency: efficiencyOf(h.msgsPerSecond, real),
    effectiveRate: rateOrNull(h.effectiveRate.mean),
    effectiveRateLast: rateOrNull(h.effectiveRate.last),
    http429: h.http429,
    violations: violationsJson(h.violations),
    requests: h.requests,
    interactiveP95Ms: h.probe.p95Ms,
    peakRssMb: round(h.peakRssMb, 1),
    kills: h.kills,
    ambiguous: h.ambiguous,
    ...(h.outage && {
      outage: {
        seconds: h.outage.seconds,
        startedAtDelivered: h.outage.startedAtDelivered,
        calls: h.outage.calls,
      },
    }),
    ...(result.baselines && {
      baselines: {
        naiveLoop: baselineJson(result.baselines.naiveLoop),
        throttler: baselineJson(result.baselines.throttler),
      },
    }),
  };
}

interface Check {
  ok: boolean;
  line: string;
}

/** Why `--check` fails the run: a penalty, a lost message, or duplicates beyond the ambiguous deliveries. */
export function checkFailures(result: BenchResult): string[] {
  const h = result.herald;
  const failures: string[] = [];
  if (h.violations.penalty > 0) {
    failures.push(
      `${h.violations.penalty} penalty request(s): sent into a retry_after whose 429 answer had already arrived`,
    );
  }
  if (h.lost > 0) failures.push(`${h.lost} recipient(s) never got the broadcast`);
  if (h.duplicates > h.ambiguous) {
    failures.push(`${h.duplicates} duplicate(s), more than the ${h.ambiguous} ambiguous deliveries`);
  }
  return failures;
}

export function verdict(result: BenchResult): Check[] {
  const h = result.herald;
  const limit = realLimit(result.options);
  const checks: Check[] = [];
  if (limit > 0) {
    const efficiency = h.msgsPerSecond / limit;
    checks.push({
      ok: efficiency >= TARGETS.efficiency,
      line: `efficiency ${efficiency.toFixed(3)} of the real limit ${limit} msg/s (target ≥ ${TARGETS.efficiency})`,
    });
  }
  checks.push({ ok: h.lost === 0, line: `lost ${h.lost} (target 0)` });
  checks.push(
    // A kill or a lost answer in an outage leaves deliveries ambiguous: only those may arrive twice.
    result.options.kills || result.options.outageSeconds !== undefined
      ? {
          ok: h.duplicates <= h.ambiguous,
          line: `duplicates ${h.duplicates} (target ≤ ambiguous ${h.ambiguous})`,
        }
      : { ok: h.duplicates === 0, line: `duplicates ${h.duplicates} (target 0)` },
  );
  checks.push({
    ok: h.violations.penalty === 0,
    line: `penalties ${h.violations.penalty}: sends into a retry_after already received (target 0)`,
  });
  const share = h.requests > 0 ? h.http429 / h.requests : 0;
  checks.push({
    ok: share <= TARGETS.http429Share,
    line: `429 answers ${h.http429} of ${h.requests} requests = ${(share * 100).toFixed(2)}% (target ≤ ${TARGETS.http429Share * 100}%)`,
  });
  checks.push({
    ok: h.probe.p95Ms !== null && h.probe.p95Ms <= TARGETS.interactiveP95Ms,
    line: `interactive p95 ${h.probe.p95Ms ?? "n/a"} ms over ${h.probe.count} /start (target ≤ ${TARGETS.interactiveP95Ms} ms)`,
  });
  checks.push({
    ok: h.peakRssMb <= TARGETS.peakRssMb,
    line: `peak RSS ${h.peakRssMb.toFixed(1)} MB, ${h.mode === "process" ? "Herald's process" : "the bench process (sandbox included)"} (target ≤ ${TARGETS.peakRssMb} MB)`,
  });
  checks.push({
    ok: h.sampleChecked > 0 && h.samplePersonalised === h.sampleChecked,
    line: `personalised: ${h.samplePersonalised}/${h.sampleChecked} sampled recipients got their own answer number and ticket link`,
  });
  return checks;
}

export function formatReport(result: BenchResult): string {
  const o = result.options;
  const h = result.herald;
  const b = result.baselines;
  const lines: string[] = [];
  const limitText =
    o.rate === 0
      ? "no limit"
      : `${o.rate} msg/s ${o.paid ? "paid" : "bulk"} limit${o.model === "hidden" ? ` (really ${realLimit(o)} msg/s, hidden)` : ""}`;
  lines.push(
    `Herald delivery benchmark: ${h.recipients} recipients, ${o.model} model, ${limitText}, Bot API latency ` +
      `${o.latency.minMs}-${o.latency.maxMs} ms${o.model === "jitter" ? " with 2% spikes of 1-2 s" : ""} ` +
      `(${o.latency.split === "answer" ? "spread on the answers" : "split evenly"}), ` +
      `${h.mode === "process" ? `Herald as a process, ${h.kills} SIGKILL(s)` : "Herald in-process"}, seed ${o.seed}`,
  );
  lines.push("");

  const limit = realLimit(o);
  const columns: Array<{ name: string; cells: Record<string, string> }> = [
    { name: "Herald", cells: heraldCells(h, limit) },
  ];
  if (b) {
    columns.push({ name: "naive loop", cells: baselineCells(b.naiveLoop, limit) });
    columns.push({ name: "throttler", cells: baselineCells(b.throttler, limit) });
  }
  const rows = [
    "recipients",
    "delivered",
    "lost",
    "duplicates",
    "seconds",
    "msgs/s",
    "efficiency",
    "effective rate",
    "429 / requests",
    "violations b/c/g/p",
    "interactive p95",
    "interactive max",
    "peak RSS",
    "kills / ambiguous",
    "ended",
  ];
  const labelWidth = Math.max(...rows.map((r) => r.length)) + 2;
  const widths = columns.map(
    (c) => Math.max(c.name.length, ...rows.map((r) => (c.cells[r] ?? "").length)) + 2,
  );
  lines.push(
    "".padEnd(labelWidth) +
      columns.map((c, i) => c.name.padStart((widths[i] ?? 0) - 2).padEnd(widths[i] ?? 0)).join(""),
  );
  for (const r of rows) {
    if (columns.every((c) => c.cells[r] === undefined)) continue;
    lines.push(
      r.padEnd(labelWidth) +
        columns
          .map((c, i) => (c.cells[r] ?? "").padStart((widths[i] ?? 0) - 2).padEnd(widths[i] ?? 0))
          .join(""),
    );
  }
  lines.push("");
  lines.push(
    `Violations (b/c/g/p): sends over the bulk, per-chat and group limits, and penalties (sent into a ` +
      `retry_after already received).`,
  );
  if (h.outage) {
    lines.push(
      h.outage.startedAtDelivered === null
        ? `Outage of ${h.outage.seconds} s: never started (a third of the recipients were never reached).`
        : `Outage of ${h.outage.seconds} s from ${h.outage.startedAtDelivered}/${h.recipients} delivered: ` +
            `${h.outage.calls} Bot API calls failed (5xx, hung or answer lost).`,
    );
  }
  lines.push(
    `Herald's table: ${h.table.status}, total ${h.table.total}, sent ${h.table.sent}, failed ${h.table.failed}, ` +
      `blocked ${h.table.blocked}, expired ${h.table.expired}, ambiguous ${h.ambiguous}. Setup: users ` +
      `${h.setupSeconds.users.toFixed(2)} s, database ${h.setupSeconds.database.toFixed(2)} s, Herald start ` +
      `${h.setupSeconds.heraldStart.toFixed(1)} s.`,
  );
  lines.push(
    h.mode === "process"
      ? `Peak RSS of the bench process (sandbox and bench, not Herald): ${h.benchPeakRssMb.toFixed(1)} MB.`
      : "Herald ran in-process: its peak RSS includes the sandbox and every message it stores (--kill 0 measures Herald alone).",
  );
  if (h.duplicates > 0) {
    lines.push(
      `${h.unflaggedDuplicates} recipient(s) got a duplicate although Herald had not flagged their delivery ambiguous.`,
    );
  }
  if (h.probe.unanswered > 0) {
    lines.push(
      `${h.probe.unanswered} of Herald's /start probes got no reply (counted with the time waited).`,
    );
  }
  if (b) {
    for (const base of [b.naiveLoop, b.throttler]) {
      const notes: string[] = [];
      if (base.capped) notes.push(`stopped by the ${o.baselineCapSeconds} s cap`);
      if (base.sendErrors > 0) notes.push(`${base.sendErrors} sends ended in an error`);
      if (base.lost > 0) {
        notes.push(
          `sending took ${base.sendingSeconds.toFixed(1)} s; its msgs/s counts the ${base.delivered} delivered up to the last arrival`,
        );
      }
      if (base.probe.unanswered > 0) notes.push(`${base.probe.unanswered} /start probes never answered`);
      if (notes.length > 0) lines.push(`${base.kind}: ${notes.join("; ")}.`);
    }
  }
  lines.push("");
  lines.push("Verdict:");
  const checks = verdict(result);
  for (const c of checks) lines.push(`  ${c.ok ? "✓" : "✗"} ${c.line}`);
  const missed = checks.filter((c) => !c.ok).length;
  lines.push(missed === 0 ? "All targets met." : `${missed} target(s) missed.`);
  return lines.join("\n");
}

function heraldCells(h: HeraldRunResult, limit: number): Record<string, string> {
  const efficiency = efficiencyOf(h.msgsPerSecond, limit);
  return {
    recipients: String(h.recipients),
    delivered: String(h.delivered),
    lost: String(h.lost),
    duplicates: String(h.duplicates),
    seconds: h.seconds.toFixed(1),
    "msgs/s": h.msgsPerSecond.toFixed(2),
    efficiency: efficiency === null ? "n/a" : efficiency.toFixed(3),
    "effective rate":
      h.effectiveRate.mean === null
        ? "not set"
        : `${h.effectiveRate.mean.toFixed(1)} (last ${h.effectiveRate.last?.toFixed(1) ?? "-"})`,
    "429 / requests": `${h.http429} / ${h.requests}`,
    "violations b/c/g/p": violationCell(h.violations),
    "interactive p95": ms(h.probe.p95Ms),
    "interactive max": ms(h.probe.maxMs),
    "peak RSS": `${h.peakRssMb.toFixed(1)} MB`,
    "kills / ambiguous": `${h.kills} / ${h.ambiguous}`,
    ended: h.ended,
  };
}

function baselineCells(b: BaselineResult, limit: number): Record<string, string> {
  const efficiency = efficiencyOf(b.msgsPerSecond, limit);
  return {
    recipients: String(b.recipients),
    delivered: String(b.delivered),
    lost: String(b.lost),
    duplicates: String(b.duplicates),
    seconds: b.seconds.toFixed(1),
    "msgs/s": b.msgsPerSecond.toFixed(2),
    efficiency: efficiency === null ? "n/a" : efficiency.toFixed(3),
    "429 / requests": `${b.http429} / ${b.requests}`,
    "violations b/c/g/p": violationCell(b.violations),
    "interactive p95": ms(b.probe.p95Ms),
    "interactive max": ms(b.probe.maxMs),
    ended: b.capped ? "time cap" : "done",
  };
}

function violationCell(v: RunFigures["violations"]): string {
  return `${v.bulk}/${v.perChat}/${v.group}/${v.penalty}`;
}

function ms(value: number | null): string {
  return value === null ? "n/a" : `${Math.round(value)} ms`;
}
