/**
 * Every refusal the domain explains. A new code goes here first; the faces' maps are typed by this
 * union (http/server.ts's statuses, the cockpit's wording), so the compiler asks how each face answers it.
 */
export type DomainErrorCode =
  | "broadcast_state"
  | "broadcast_not_found"
  | "template_not_found"
  | "segment_not_found"
  | "segment_name_taken"
  | "segment_invalid"
  | "segment_in_use"
  | "scenario_not_found"
  | "step_not_found"
  | "step_invalid"
  | "step_out_of_order"
  | "ticket_conflict"
  | "ticket_url_required"
  | "ticket_url_invalid"
  | "invalid_answer_id"
  | "invalid_ref"
  | "personal_data";

/** A refusal the domain explains: faces map `code` to an HTTP status or a message in the user's language. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}
