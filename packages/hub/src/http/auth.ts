/**
 * Bearer-token authorisation with scopes. Secrets are compared as SHA-256 digests with a constant-time comparison,
 * and only a token's name is ever logged. With no tokens configured every route is open (the hub then refuses
 * to bind beyond loopback unless `--insecure`).
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Scope, Token } from "../config/config.ts";
import { HttpError } from "./respond.ts";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/** Checks requests against the configured tokens. */
export class Authorizer {
  readonly #tokens: { readonly digest: Buffer; readonly token: Token }[];

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens.map((token) => ({ digest: digest(token.secret), token }));
  }

  /** True when tokens are configured (otherwise every request is allowed). */
  get enabled(): boolean {
    return this.#tokens.length > 0;
  }

  /**
   * The name of the token that grants `scope` to this request (`anonymous` when auth is off); throws 401 without
   * a valid token, 403 when the token lacks the scope. `queryToken` is the `access_token` parameter, accepted
   * where browsers cannot set headers (EventSource).
   */
  authorize(req: IncomingMessage, scope: Scope, queryToken?: string | null): string {
    if (!this.enabled) return "anonymous";
    const header = req.headers.authorization;
    const presented = header?.startsWith("Bearer ") ? header.slice(7).trim() : (queryToken ?? undefined);
    const challenge = { "www-authenticate": 'Bearer realm="cairn"' };
    if (presented === undefined || presented === "")
      throw new HttpError(
        401,
        "unauthorized",
        "a bearer token is required (Authorization: Bearer <token>)",
        {},
        challenge,
      );
    const d = digest(presented);
    const match = this.#tokens.find((t) => timingSafeEqual(t.digest, d));
    if (!match) throw new HttpError(401, "unauthorized", "the token is not valid", {}, challenge);
    if (!match.token.scopes.includes(scope) && !match.token.scopes.includes("admin"))
      throw new HttpError(403, "forbidden", `token ${match.token.name} lacks the ${scope} scope`);
    return match.token.name;
  }
}
