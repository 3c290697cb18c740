/** A rendered message as the outbox stores it and the sender sends it. */
export interface OutgoingMessage {
  /** Telegram HTML. */
  html: string;
  /** Rows of URL buttons. */
  buttons?: Array<Array<{ text: string; url: string }>>;
  silent?: boolean;
}
