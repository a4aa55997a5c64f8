/**
 * Reading request bodies under a size limit: a declared `Content-Length` over the limit is refused before a byte is
 * read, and a chunked body is cut off as soon as it passes the limit.
 * @module
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./respond.ts";

/** The 413 error for a body over `limit` bytes. */
export function tooLarge(limit: number, what = "the request body"): HttpError {
  return new HttpError(413, "payload_too_large", `${what} exceeds the limit of ${limit} bytes`, { limit });
}

/**
 * The bytes a body will take: its declared `Content-Length`, or `limit` when it is sent in chunks. Throws the 413
 * {@link HttpError} for a declared length over `limit`, without reading the body.
 */
export function bodyBytes(req: IncomingMessage, limit: number): number {
  const declared = Number(req.headers["content-length"]);
  if (req.headers["content-length"] === undefined || !Number.isFinite(declared)) return limit;
  if (declared > limit) {
    // Do not read it; the connection is closed after the answer so the unread body cannot be taken for a request.
    req.resume();
    throw tooLarge(limit);
  }
  return declared;
}

/** Reads the whole body, refusing more than `limit` bytes with a 413 {@link HttpError}. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  let declared: number;
  try {
    declared = bodyBytes(req, limit);
  } catch (e) {
    return Promise.reject(e);
  }
  // A request that waited for its turn to be read may have been given up by its client meanwhile: its stream
  // would emit nothing more.
  if (req.destroyed) return Promise.reject(new HttpError(400, "aborted", "the client closed the request"));
  const known = req.headers["content-length"] !== undefined;
  return known && declared > COPY_ABOVE ? readDeclared(req, declared) : readChunks(req, limit);
}

// Smaller bodies mostly arrive in one chunk, which is returned as it is.
const COPY_ABOVE = 64 * 1024;

// A body of declared length is copied into one buffer of that size as it arrives (Node's parser never passes on
// more than the declared length), so each chunk is garbage at once and dies young. Kept until the end and then
// concatenated, the chunks of a large body lived through young-generation collections while it arrived, and their
// memory outside the heap waited for a full collection (external memory at the peak, batches of 1000: 35–38 MiB
// before, 32 MiB after).
function readDeclared(req: IncomingMessage, declared: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Unpooled: this buffer lives until the body is decoded and committed; a slice of the shared pool would keep
    // the whole pool block alive as long.
    const body = Buffer.allocUnsafeSlow(declared);
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.copy(body, size);
    });
    req.on("end", () => resolve(size === declared ? body : body.subarray(0, size)));
    req.on("error", reject);
  });
}

function readChunks(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
      // The listeners (and this array) live as long as the request, which waits for its commit: drop the chunks.
      chunks.length = 0;
    });
    req.on("error", (e) => {
      if (!failed) reject(e);
    });
  });
}
