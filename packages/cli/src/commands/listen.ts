/**
 * `cairn listen`: an HTTP endpoint that receives CDEvents (CloudEvents binary, structured and batch mode, or bare
 * CDEvent JSON), prints a verdict for each and answers 202 or 400.
 * @module
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { intFlag, parseCommandArgs } from "../args.ts";
import type { Command } from "../command.ts";
import { CliError, ExitCode, messageOf, usageError } from "../errors.ts";
import { Output } from "../io.ts";
import { type Received, type ReceiveOptions, receive } from "../receive.ts";
import { PARSER_OPTIONS, parserFromFlags } from "../sdk.ts";
import { printIssues } from "../verdict.ts";

const MIB = 1024 * 1024;

const OPTIONS = {
  ...PARSER_OPTIONS,
  port: { type: "string", short: "p" },
  host: { type: "string", default: "127.0.0.1" },
  json: { type: "boolean" },
  max: { type: "string" },
  "max-body": { type: "string", default: String(MIB) },
} as const;

const HELP = `Usage: cairn listen --port PORT [options]

Receives CDEvents over HTTP POST — CloudEvents binary, structured or batch mode, or a bare CDEvent as
application/json — validates each and prints it with its verdict. Answers 202 when every event is valid,
400 with the issues as JSON otherwise, 405 for other methods, 413 for large bodies, 415 for other content types.

Options:
  -p, --port PORT      port to listen on; 0 picks a free one (required)
  --host HOST          address to bind (default 127.0.0.1)
  --json               print one JSON object per line: first { listening }, then per event
                       { ok, mode, index, type, id, source, subject, release, kind, issues, notes, event }
  --max N              stop after N events
  --max-body BYTES     largest accepted body (default ${MIB})
  --schema [KEY=]FILE  register a JSON Schema, as for cairn validate; repeatable
  --drafts             also know the 0.6 draft event types
  --no-purl            do not check that artifact ids are Package URLs
  --verbose            show stack traces of unexpected errors
  -h, --help           show this help

Stops on SIGINT or SIGTERM (or after --max events) once the requests in flight are answered; exit status 0.`;

/** The `listen` command. */
export const listen: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs("listen", argv, OPTIONS);
    if (positionals.length > 0) throw usageError(`unexpected argument ${positionals[0]}`, "listen");
    if (values.port === undefined) throw usageError("--port is required (0 picks a free port)", "listen");
    const port = intFlag("listen", "--port", values.port, 65535);
    const max = values.max === undefined ? undefined : intFlag("listen", "--max", values.max);
    const maxBody = intFlag("listen", "--max-body", values["max-body"]);
    const out = new Output(io);
    const printer = values.json ? jsonPrinter(out) : humanPrinter(out);
    const cdevents = await parserFromFlags("listen", values);
    const server = createServer();
    const stopped = new Promise<void>((resolve) => server.on("close", resolve));
    const stop = stopper(server);
    let seen = 0;
    const options: ReceiveOptions = { cdevents, maxBody, onEvent: printer.event, onRefused: printer.refused };
    server.on("request", (req, res) => {
      receive(req, res, options).then(
        (n) => {
          seen += n;
          if (max !== undefined && seen >= max) res.writableFinished ? stop() : res.on("finish", stop);
        },
        (e) => {
          out.err(`cairn: error while handling ${req.method} ${req.url}: ${messageOf(e)}`);
          if (!res.headersSent) res.writeHead(500).end();
        },
      );
    });
    printer.listening(await start(server, port, values.host));
    const onSignal = () => stop();
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
    if (max === 0) stop();
    await stopped;
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    return ExitCode.Ok;
  },
};

function start(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", (e) => reject(new CliError(`cannot listen on ${host}:${port}: ${messageOf(e)}`)));
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve(`http://${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}

// First call: stop accepting and close idle keep-alive connections, letting requests in flight finish. A second
// call (e.g. another Ctrl-C), or a 2-second grace period, closes everything.
function stopper(server: Server): () => void {
  let stopping = false;
  return () => {
    if (stopping) return void server.closeAllConnections();
    stopping = true;
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  };
}

interface Printer {
  listening(url: string): void;
  event(r: Received): void;
  refused(status: number, req: IncomingMessage, reason: string): void;
}

function jsonPrinter(out: Output): Printer {
  return {
    listening: (url) => out.jsonLine({ listening: url }),
    event: (r) => out.jsonLine(r),
    refused: (status, req, reason) => out.err(`cairn: refused ${req.method} ${req.url}: ${status} ${reason}`),
  };
}

function humanPrinter(out: Output): Printer {
  return {
    listening: (url) => out.line(`listening on ${url}`),
    event: (r) => {
      const mark = r.ok ? out.style("green", "✓") : out.style("red", "✗");
      const what =
        r.type === null ? "undecodable message" : `${r.type}  id=${r.id}  source=${r.source}  subject=${r.subject}`;
      const how = r.mode === null ? "" : out.style("dim", `  (${r.mode}${r.ok ? `, ${r.release} ${r.kind}` : ""})`);
      out.line(`${mark} ${what}${how}`);
      for (const note of r.notes) out.line(out.style("dim", `    note: ${note}`));
      printIssues(out, r.issues);
    },
    refused: (status, req, reason) => out.err(`cairn: refused ${req.method} ${req.url}: ${status} ${reason}`),
  };
}
