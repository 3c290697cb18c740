import type { FloodRefusal, FloodScope } from "./flood.js";

/** A Bot API error answer: {"ok":false,"error_code":code,"description":...}. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number },
    /** Which flood limit refused a 429. */
    readonly scope?: FloodScope,
    /** The flood model's decision behind a 429: its violation, and whom to tell when it was delivered. */
    readonly refusal?: FloodRefusal,
  ) {
    super(description);
  }
}

/** Misuse of the sandbox itself (control API / test helpers); status is the control API's HTTP status. */
export class SandboxError extends Error {
  override readonly name = "SandboxError";
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (what: string): ApiError => new ApiError(400, `Bad Request: ${what}`);
export const forbidden = (what: string): ApiError => new ApiError(403, `Forbidden: ${what}`);
