/** Per-recipient values: `answer_id`, `ticket_url` and whatever attributes the form site sent. */
export type Params = Readonly<Record<string, string>>;
