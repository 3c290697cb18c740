import { signBody } from "../../src/http/signature.js";

export interface OrganiserResponse {
  status: number;
  body: Record<string, unknown>;
}

/** The organiser's form and moderation systems, talking to Herald's real HTTP endpoint with signed requests. */
export function createOrganiser(baseUrl: string, secret: string, now: () => number = Date.now) {
  let nextEvent = 1;
  const post = async (path: string, payload: Record<string, unknown>): Promise<OrganiserResponse> => {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(now() / 1000);
    const response = await fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-herald-timestamp": String(timestamp),
        "x-herald-signature": signBody(secret, timestamp, body),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const eventId = () => `evt-${nextEvent++}`;
  return {
    post,
    submit: (answerId: string, extra: { ref?: string; attributes?: Record<string, string> } = {}) =>
      post("/webhooks/submission", { event_id: eventId(), answer_id: answerId, ...extra }),
    approve: (answerId: string, ticketUrl: string, extra: { replace?: boolean } = {}) =>
      post("/webhooks/moderation", {
        event_id: eventId(),
        answer_id: answerId,
        decision: "approved",
        ticket_url: ticketUrl,
        ...extra,
      }),
    reject: (answerId: string, message?: string) =>
      post("/webhooks/moderation", {
        event_id: eventId(),
        answer_id: answerId,
        decision: "rejected",
        ...(message ? { message } : {}),
      }),
    complete: (answerId: string) =>
      post("/webhooks/registration-completed", { event_id: eventId(), answer_id: answerId }),
  };
}
