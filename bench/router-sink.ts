/**
 * The delivery sink of the router bench, run as a child process so neither the hub nor the load generator shares
 * its event loop. It answers every request at once with `200` (empty body: not a reply), except under `/slow/`,
 * where it answers after `--slow-ms` (default 2000). It counts requests per path prefix (`/f/…` fan-out, `/lat`
 * latency, `/slow/…`) and, for `/lat`, records when each event (by `ce-id`) arrived: epoch milliseconds with
 * sub-millisecond precision (`performance.timeOrigin + performance.now()`, the load generator's clock too).
 *
 * IPC: once listening it sends `{ url }`; it answers `"counts"` with {@link SinkCounts}, `"arrivals"` with
 * {@link SinkArrivals} (and forgets them), `"reset"` by zeroing everything (answering `{ reset: true }`), and stops on `"stop"`.
 *
 * ```sh
 * node bench/router-sink.ts [--slow-ms 2000]
 * ```
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";

/** Requests received, by path kind, and when the last one arrived (epoch ms). */
export interface SinkCounts {
  readonly counts: { readonly fanout: number; readonly lat: number; readonly slow: number; readonly other: number };
  readonly lastArrivalMs: number;
}

/** Arrival times of `/lat` requests: `[ce-id, epoch ms]`. */
export interface SinkArrivals {
  readonly arrivals: readonly [string, number][];
}

// Epoch milliseconds, sub-millisecond precision (the load generator uses the same clock).
const nowMs = (): number => performance.timeOrigin + performance.now();

function main(): void {
  const { values } = parseArgs({ options: { "slow-ms": { type: "string", default: "2000" } } });
  const slowMs = Number(values["slow-ms"]);
  const counts = { fanout: 0, lat: 0, slow: 0, other: 0 };
  let lastArrivalMs = 0;
  let arrivals: [string, number][] = [];
  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const url = req.url ?? "";
    req.resume();
    req.on("end", () => {
      const at = nowMs();
      lastArrivalMs = at;
      if (url.startsWith("/lat")) {
        counts.lat++;
        arrivals.push([String(req.headers["ce-id"]), at]);
      } else if (url.startsWith("/f/")) counts.fanout++;
      else if (url.startsWith("/slow")) counts.slow++;
      else counts.other++;
      const answer = () => {
        res.writeHead(200, { "content-length": "0" });
        res.end();
      };
      if (url.startsWith("/slow")) setTimeout(answer, slowMs);
      else answer();
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ url: `http://127.0.0.1:${port}` });
  });
  const stop = (): void => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on("message", (m) => {
    if (m === "counts") process.send?.({ counts: { ...counts }, lastArrivalMs } satisfies SinkCounts);
    else if (m === "arrivals") {
      process.send?.({ arrivals } satisfies SinkArrivals);
      arrivals = [];
    } else if (m === "reset") {
      counts.fanout = counts.lat = counts.slow = counts.other = 0;
      arrivals = [];
      process.send?.({ reset: true });
    } else if (m === "stop") stop();
  });
  process.on("disconnect", stop);
  process.on("SIGTERM", stop);
}

main();
