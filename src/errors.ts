/** A refusal the domain explains: faces map `code` to an HTTP status or a message in the user's language. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}
