import type { Config } from "../../config.js";
import type { HeraldDatabase } from "../../db/client.js";
import { createBroadcasts } from "../../delivery/broadcasts.js";
import type { WebhookClient } from "../../http/client.js";
import type { Logger } from "../../logger.js";
import type { Sandbox } from "../../sandbox/index.js";
import { createScenarios } from "../../scenarios/scenarios.js";
import { exchange, inBatches, say } from "./chat.js";

/**
 * The default reminder scenario on compressed time: a wave of attendees links their answers; the
 * scenario's own runDue is called at the moments the cron would reach hours and days later (the
 * demo's clock jumps; Herald's delivery engine sends every message for real through the sandbox).
 * Some attendees complete after the welcome, some after a reminder, some never; the funnel follows.
 */
export async function playScenario(
  sandbox: Sandbox,
  organiser: WebhookClient,
  database: HeraldDatabase,
  logger: Logger,
  config: Config,
) {
  say("\n— The reminder scenario «finish your registration», on compressed time —");
  const problems: string[] = [];
  const size = 40;
  const cohort: Array<{ id: number; answerId: string }> = [];
  await inBatches(
    Array.from({ length: size }, (_, i) => i),
    10,
    async (i) => {
      const user = sandbox.createUser({ first_name: `Волна${i}`, language_code: i % 4 === 0 ? "en" : "ru" });
      const answerId = String(50_000 + i);
      const submitted = await organiser.submit(answerId);
      const payload = new URL(String(submitted.body.deep_link)).searchParams.get("start") ?? "";
      await exchange(sandbox, user.id, `/start ${payload}`);
      cohort.push({ id: user.id, answerId });
    },
  );
  let now = Date.now();
  const t0 = now;
  const runner = createScenarios({
    database,
    clock: { now: () => now },
    logger,
    // The compressed clock jumps over nights; quiet hours are shown in the tests, not here.
    quietHours: null,
    timezone: config.timezone,
    dailyCap: config.scenarioDailyCap,
    formUrl: config.formUrl,
    eventStartsAt: null,
    liveUrl: null,
    formLinkFor: () => null,
    broadcasts: createBroadcasts({ database, clock: { now: () => now } }),
  });
  const scenarioMessages = (userId: number) =>
    sandbox
      .botMessages(userId)
      .filter((m) =>
        /Добро пожаловать|Welcome!|апоминаем|апоминание|reminder|ещё ждёт|still waiting/.test(m.text ?? ""),
      );
  const plan: Array<{ label: string; at: number; completeAfter: number }> = [
    { label: "at once: the welcome", at: t0 + 1000, completeAfter: 8 },
    { label: "1 hour later: reminder 1", at: t0 + 60 * 60_000 + 1000, completeAfter: 12 },
    { label: "24 hours later: reminder 2", at: t0 + 24 * 60 * 60_000 + 1000, completeAfter: 8 },
    { label: "72 hours later: reminder 3", at: t0 + 72 * 60 * 60_000 + 1000, completeAfter: 0 },
  ];
  let completed = 0;
  let expectedMessages = 0;
  for (const [index, step] of plan.entries()) {
    now = step.at;
    const report = runner.runDue(now);
    const going = cohort.slice(completed);
    // The compressed clock runs ahead of the delivery engine's real one: what it queued is due now.
    database.sqlite
      .prepare("UPDATE deliveries SET not_before = ? WHERE status = 'pending' AND job_key LIKE 'scenario:%'")
      .run(Date.now());
    expectedMessages += going.length;
    // Herald's engine sends what the tick queued; every attendee still going gets exactly one more.
    await Promise.all(
      going.map((a) =>
        sandbox.waitForBotMessage(a.id, () => scenarioMessages(a.id).length >= index + 1, {
          timeoutMs: 60_000,
        }),
      ),
    );
    for (const a of cohort.slice(completed, completed + step.completeAfter))
      await organiser.complete(a.answerId);
    completed += step.completeAfter;
    say(
      `  ${step.label}: ${report.sent} sent, ${report.stopped} stopped (completed before it); ` +
        `then ${step.completeAfter} attendees complete their registration`,
    );
  }
  now = t0 + 10 * 24 * 60 * 60_000;
  runner.runDue(now);
  const funnel = runner.get("finish_registration").funnel;
  const received = cohort.reduce((sum, a) => sum + scenarioMessages(a.id).length, 0);
  say(
    `  funnel: entered ${funnel.enrolled}; completed after the welcome ${funnel.completedAfter[1] ?? 0}, ` +
      `after reminder 1 ${funnel.completedAfter[2] ?? 0}, after reminder 2 ${funnel.completedAfter[3] ?? 0}, ` +
      `after reminder 3 ${funnel.completedAfter[4] ?? 0}; never completed ${funnel.finished}`,
  );
  if (received !== expectedMessages)
    problems.push(`the scenario sent ${received} messages, expected ${expectedMessages}`);
  if (
    (funnel.completedAfter[1] ?? 0) !== 8 ||
    (funnel.completedAfter[2] ?? 0) !== 12 ||
    (funnel.completedAfter[3] ?? 0) !== 8
  ) {
    problems.push(`the scenario funnel is off: ${JSON.stringify(funnel.completedAfter)}`);
  }
  if (funnel.finished !== size - 28)
    problems.push(`${funnel.finished} finished without completing, expected ${size - 28}`);
  say(
    `✓ ${received} scenario messages, each attendee at most one per step; ${funnel.finished} never completed`,
  );
  return {
    ok: problems.length === 0,
    problems,
    summary: {
      attendees: size,
      messages: received,
      completedAfter: funnel.completedAfter,
      neverCompleted: funnel.finished,
    },
  };
}
