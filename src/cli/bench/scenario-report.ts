import type { ScenarioBenchResult, TickOutcome } from "./scenario.js";
import { SCENARIO } from "./scenario-population.js";

export function checksOf(r: ScenarioBenchResult): Array<{ ok: boolean; line: string }> {
  const checks: Array<{ ok: boolean; line: string }> = [];
  const outcomes: Array<[string, TickOutcome]> = [["due tick", r.tick]];
  if (r.catchUp) outcomes.push(["catch-up", r.catchUp]);
  for (const [name, o] of outcomes) {
    checks.push({
      ok: o.deliveriesCreated === o.sent,
      line: `${name}: deliveries created ${o.deliveriesCreated} = sent ${o.sent}`,
    });
    checks.push({
      ok: o.handled === o.due - o.leftAfterDrain,
      line: `${name}: runs handled ${o.handled} = due ${o.due} - left ${o.leftAfterDrain}`,
    });
  }
  checks.push({
    ok: r.tick.due === r.options.due && r.tick.sent + r.tick.stopped === r.tick.handled,
    line: `due tick: ${r.tick.due} due (asked ${r.options.due}) = sent ${r.tick.sent} + stopped ${r.tick.stopped}`,
  });
  checks.push({ ok: r.duplicateJobKeys === 0, line: `duplicate job keys ${r.duplicateJobKeys}` });
  return checks;
}

const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** The JSON line the scenario mode ends with. */
export function scenarioSummaryJson(r: ScenarioBenchResult): Record<string, unknown> {
  const outcome = (o: TickOutcome) => ({
    due: o.due,
    handled: o.handled,
    sent: o.sent,
    skipped: o.skipped,
    stopped: o.stopped,
    deferred: o.deferred,
    finished: o.finished,
    left: o.left,
    ticks: o.ticks,
    leftAfterDrain: o.leftAfterDrain,
    drainMs: round(o.drainMs, 1),
    deliveriesCreated: o.deliveriesCreated,
  });
  return {
    mode: "scenario",
    subscribers: r.options.subscribers,
    due: r.options.due,
    seed: r.options.seed,
    analyze: r.options.analyze,
    scenarioTickMs: round(r.scenarioTickMs, 1),
    idleTickMs: round(r.idleTickMs, 2),
    catchUpTickMs: r.catchUp ? round(r.catchUp.tickMs, 1) : null,
    tick: outcome(r.tick),
    catchUp: r.catchUp ? outcome(r.catchUp) : null,
    duplicateJobKeys: r.duplicateJobKeys,
    ok: r.checks.every((c) => c.ok),
    populateSeconds: round(r.populateSeconds, 2),
    databaseMb: round(r.databaseMb, 1),
    peakRssMb: round(r.peakRssMb, 1),
    ...(r.notes.length > 0 && { notes: r.notes }),
  };
}

export function formatScenarioReport(r: ScenarioBenchResult): string {
  const o = r.options;
  const lines: string[] = [];
  lines.push(
    `Scenario benchmark: ${o.subscribers} subscribers with active "${SCENARIO}" runs, ${o.due} due, seed ${o.seed}` +
      (o.analyze ? ", planner statistics gathered (ANALYZE)" : ""),
  );
  lines.push(
    `  database: ${r.rows.deliveries} outbox rows, ${r.databaseMb.toFixed(0)} MB, filled in ${r.populateSeconds.toFixed(1)} s`,
  );
  const rest = (t: TickOutcome) =>
    t.ticks > 1
      ? `; ${t.ticks} ticks in ${t.drainMs.toFixed(0)} ms in all, ${t.leftAfterDrain} still due`
      : "";
  lines.push(
    `  due tick:      ${r.scenarioTickMs.toFixed(1)} ms for ${r.tick.due} due runs: ${r.tick.sent} sent, ` +
      `${r.tick.stopped} stopped, ${r.tick.deferred} deferred, ${r.tick.left} left for the next tick${rest(r.tick)}`,
  );
  lines.push(
    `  idle tick:     ${r.idleTickMs.toFixed(2)} ms (median of ${r.idleTicksMs.length}: ${r.idleTicksMs.map((ms) => ms.toFixed(2)).join(", ")})`,
  );
  if (r.catchUp) {
    const c = r.catchUp;
    lines.push(
      `  catch-up tick: ${c.tickMs.toFixed(1)} ms for ${c.due} runs overdue by 1-4 days: ${c.sent} sent, ` +
        `${c.skipped} stale steps skipped, ${c.stopped} stopped, ${c.finished} finished, ${c.left} left${rest(c)}`,
    );
  }
  lines.push(`  peak RSS:      ${r.peakRssMb.toFixed(1)} MB`);
  for (const note of r.notes) lines.push(`  note: ${note}`);
  lines.push("");
  lines.push("Checks:");
  for (const c of r.checks) lines.push(`  ${c.ok ? "✓" : "✗"} ${c.line}`);
  return lines.join("\n");
}
