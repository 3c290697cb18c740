import { eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { webhookEvents } from "../db/schema.js";
import { DomainError } from "../errors.js";

export interface EventAnswer {
  statusCode: number;
  body: Record<string, unknown>;
  /** The effect queued something for the sender: it is woken once the effect has committed. */
  queued?: boolean;
}

/**
 * What every door that records a submission answers (the submission webhook, the form doors):
 * 201 for a new answer, 200 for a known one, with the binding and the attendee's deep link.
 */
export function submissionAnswer(
  answerId: string,
  result: { created: boolean; binding: string | null; queued: boolean },
  deepLink: string | null,
): EventAnswer {
  return {
    statusCode: result.created ? 201 : 200,
    body: { answer_id: answerId, created: result.created, binding: result.binding, deep_link: deepLink },
    queued: result.queued,
  };
}

/**
 * Runs a webhook event once. The effect and the record of the answer commit together, so a repeated
 * event id gets the very answer the first delivery got and changes nothing, even after a crash.
 * Domain refusals that the sender may not "fix" by retrying (a 409) are remembered too; anything
 * that did not pass validation never reaches here and writes no row.
 *
 * `onQueued` (the sender's wake-up) runs after the commit and only then: woken inside, the sender
 * could claim and send rows that a later failure here (the event row, a watcher's report) rolls back.
 */
export function answerOnce(
  db: Db,
  event: { eventId: string; kind: string; now: number },
  statusOf: (error: DomainError) => number,
  handle: () => EventAnswer,
  onQueued?: () => void,
): { statusCode: number; body: Record<string, unknown>; replayed: boolean } {
  const answer = db.transaction((tx) => {
    const previous = tx.select().from(webhookEvents).where(eq(webhookEvents.eventId, event.eventId)).get();
    if (previous) {
      return {
        statusCode: previous.statusCode,
        body: JSON.parse(previous.response) as Record<string, unknown>,
        replayed: true,
        queued: false,
      };
    }
    let answer: EventAnswer;
    try {
      answer = handle();
    } catch (error) {
      if (!(error instanceof DomainError) || statusOf(error) !== 409) throw error;
      answer = { statusCode: 409, body: { error: error.code, message: error.message } };
    }
    tx.insert(webhookEvents)
      .values({
        eventId: event.eventId,
        kind: event.kind,
        receivedAt: event.now,
        statusCode: answer.statusCode,
        response: JSON.stringify(answer.body),
      })
      .run();
    return {
      statusCode: answer.statusCode,
      body: answer.body,
      replayed: false,
      queued: answer.queued === true,
    };
  });
  if (answer.queued) onQueued?.();
  return { statusCode: answer.statusCode, body: answer.body, replayed: answer.replayed };
}
