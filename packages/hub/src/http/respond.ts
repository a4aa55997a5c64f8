/**
 * Writing responses: JSON bodies, and the one error shape every route uses —
 * `{ "error": { "code", "message", "issues"?, "entries"? } }` with stable codes.
 * @module
 */
import type { ServerResponse } from "node:http";

/** An issue in an error body: what is wrong and where (JSON Pointer, `header:name` or `query:name`). */
export interface ErrorIssue {
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

/** An HTTP error carrying its status, a stable code, a message and optional details. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

/** Sends a JSON value (or pre-serialised JSON text). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Sends an {@link HttpError} in the standard error shape. */
export function sendError(res: ServerResponse, e: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, e.status, { error: { code: e.code, message: e.message, ...e.details } }, e.headers);
}

/** A 400 for a bad query parameter. */
export function badParameter(name: string, message: string): HttpError {
  return new HttpError(400, "invalid_parameter", `query parameter ${name} ${message}`, {
    issues: [{ code: "invalid_parameter", path: `query:${name}`, message }],
  });
}
