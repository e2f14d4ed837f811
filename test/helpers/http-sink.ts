// A real HTTP server on 127.0.0.1 (port 0) that records every request and answers as the test says:
// a status, or "hang" (never answers, until the sink is closed).

import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SinkRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** 1 for the first request the sink saw. */
  n: number;
}

export type SinkAnswer = { status: number; body?: string; headers?: Record<string, string> } | "hang";

export interface HttpSink {
  url: string;
  requests: SinkRequest[];
  /** Resolves once `count` requests have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<SinkRequest[]>;
  close(): Promise<void>;
}

/** Starts a sink; `answer` decides each response (default 200). */
export async function startHttpSink(
  answer: (r: SinkRequest) => SinkAnswer = () => ({ status: 200 }),
  path = "/hook",
): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: SinkRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        n: requests.length + 1,
      };
      requests.push(r);
      for (const w of waiters.filter((x) => requests.length >= x.count)) w.resolve();
      const a = answer(r);
      if (a === "hang") {
        hanging.add(res);
        return;
      }
      res.writeHead(a.status, { "content-type": "text/plain", ...a.headers });
      res.end(a.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    waitFor(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} requests, got ${requests.length} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(requests);
          },
        });
      });
    },
    close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
