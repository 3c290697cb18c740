/**
 * A rendered message as the outbox stores it and the sender sends it (what `render` returns for text
 * content). Rows written before photos and copies could be stored have no `kind`: they are text.
 */
export interface OutgoingMessage {
  kind?: "text";
  /** Telegram HTML. */
  html: string;
  /** Rows of URL buttons. */
  buttons?: RenderedButtons;
  silent?: boolean;
  disablePreview?: boolean;
}

export type RenderedButtons = Array<Array<{ text: string; url: string }>>;

/** Any content rendered for one recipient: text, a photo with its caption, or a copy of a message. */
export type RenderedMessage =
  | OutgoingMessage
  | { kind: "photo"; photo: string; captionHtml?: string; buttons?: RenderedButtons; silent?: boolean }
  | { kind: "copy"; fromChatId: number; messageId: number; buttons?: RenderedButtons; silent?: boolean };
