import type { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { reportInternalError, sendJson } from "./requests.js";

/** An HTTP server for the sandbox's handler; an error the handler lets through is a sandbox bug, answered 500. */
export function createHttpServer(
  onRequest: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  events: EventEmitter,
): Server {
  const s = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      reportInternalError(events, err);
      sendJson(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
    });
  });
  // Long polls hold requests open; Node's default request timeouts would cut them.
  s.requestTimeout = 0;
  s.headersTimeout = 60_000;
  s.keepAliveTimeout = 30_000;
  return s;
}

/** Starts listening and answers the base URL clients use (an IPv6 host in brackets). */
export async function listenServer(s: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.listen(port, host, () => {
      s.off("error", reject);
      resolve();
    });
  });
  const address = s.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${shownHost}:${address.port}`;
}

/** Closes the server once the answers just written (released polls) have reached the wire. */
export async function closeServer(s: Server): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}
