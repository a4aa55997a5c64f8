import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { readBody } from "../src/http/body.ts";
import { HttpError } from "../src/http/respond.ts";

const LIMIT = 1024 * 1024;

// A server that answers each request with what readBody made of it: the body's bytes echoed back, or the HTTP
// error's status and code.
let server: Server;
let port: number;

before(async () => {
  server = createServer((req: IncomingMessage, res) => {
    readBody(req, LIMIT).then(
      (body) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(body);
      },
      (e: unknown) => {
        const status = e instanceof HttpError ? e.status : 500;
        const code = e instanceof HttpError ? e.code : String(e);
        if (!res.headersSent) res.writeHead(status, { "content-type": "text/plain", connection: "close" });
        res.end(code);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `parts` one by one (each its own write, a turn apart) and returns the status and the answer's bytes. */
function send(parts: readonly Buffer[], headers: Record<string, string>): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, method: "POST", path: "/", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    const write = (i: number): void => {
      if (i === parts.length) {
        req.end();
        return;
      }
      req.write(parts[i]);
      setImmediate(() => write(i + 1));
    };
    write(0);
  });
}

const split = (body: Buffer, size: number): Buffer[] => {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) parts.push(body.subarray(i, i + size));
  return parts;
};

describe("readBody", () => {
  it("reads a large declared body arriving in many chunks byte for byte", async () => {
    const body = randomBytes(700 * 1024 + 17);
    const r = await send(split(body, 10_000), { "content-length": String(body.length) });
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(body));
  });

  it("reads a small declared body and an empty one", async () => {
    const body = Buffer.from('{"context":{}}');
    const r = await send([body], { "content-length": String(body.length) });
    assert.ok(r.body.equals(body));
    const empty = await send([], { "content-length": "0" });
    assert.equal(empty.status, 200);
    assert.equal(empty.body.length, 0);
  });

  it("reads a chunked body, and refuses one that passes the limit with 413", async () => {
    const body = randomBytes(200 * 1024);
    const r = await send(split(body, 30_000), { "transfer-encoding": "chunked" });
    assert.ok(r.body.equals(body));
    const over = await send(split(randomBytes(LIMIT + 1), 64 * 1024), { "transfer-encoding": "chunked" });
    assert.equal(over.status, 413);
    assert.equal(over.body.toString(), "payload_too_large");
  });

  it("refuses a declared length over the limit before a byte of the body is sent", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ port, method: "POST", path: "/", headers: { "content-length": String(LIMIT + 1) } });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders(); // headers only: the answer must come without the body
    });
    assert.equal(status, 413);
  });
});
