import { signBody } from "./signature.js";

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The organiser's side of Herald's HTTP API: signed requests as their form and moderation systems
 * send them. The demo, the benchmark and the tests use it; it is also a reference for integrators.
 */
export function createWebhookClient(baseUrl: string, secret: string, now: () => number = Date.now) {
  let nextEvent = 1;
  const eventPrefix = `evt-${now().toString(36)}`;
  const eventId = () => `${eventPrefix}-${nextEvent++}`;

  const post = async (path: string, payload: Record<string, unknown>): Promise<WebhookResponse> => {
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
    deepLink: (answerId: string) => post("/links/deep-link", { answer_id: answerId }),
  };
}

export type WebhookClient = ReturnType<typeof createWebhookClient>;
