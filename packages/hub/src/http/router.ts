/**
 * A small route table: method + path pattern (`/api/v1/events/{sequence}`) → handler, with the scope it needs.
 * A known path with another method is a 405 with `Allow`; anything else a 404.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Scope } from "../config/config.ts";
import type { HubContext } from "../context.ts";
import { HttpError } from "./respond.ts";

/** A route handler. `params` holds the decoded path parameters. */
export type Handler = (
  ctx: HubContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  params: Record<string, string>,
) => Promise<void> | void;

/** One route. `scope` null means open to anyone (health, metrics, docs). */
export interface Route {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  readonly path: string;
  readonly scope: Scope | null;
  readonly handler: Handler;
  /** Accept the token as `?access_token=` too (EventSource cannot send headers). */
  readonly queryToken?: boolean;
}

interface Compiled {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly names: string[];
}

/** A matched route and its parameters. */
export interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

function decodeParams(names: readonly string[], m: RegExpExecArray): Record<string, string> {
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    const raw = m[i + 1] ?? "";
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      throw new HttpError(400, "invalid_parameter", `the path parameter ${name} is not valid percent-encoding`, {
        issues: [{ code: "invalid_parameter", path: `path:${name}`, message: "is not valid percent-encoding" }],
      });
    }
  });
  return params;
}

/** Routes compiled once; lookup by method and path. */
export class Router {
  readonly #routes: Compiled[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_m, name: string) => {
        names.push(name);
        return "([^/]+)";
      });
      return { route, pattern: new RegExp(`^${source}$`), names };
    });
  }

  /** The route for a request, or throws 404/405. */
  match(method: string, pathname: string): Match {
    const allowed: string[] = [];
    for (const c of this.#routes) {
      const m = c.pattern.exec(pathname);
      if (!m) continue;
      if (c.route.method !== method && !(method === "HEAD" && c.route.method === "GET")) {
        allowed.push(c.route.method);
        continue;
      }
      return { route: c.route, params: decodeParams(c.names, m) };
    }
    if (allowed.length > 0)
      throw new HttpError(
        405,
        "method_not_allowed",
        `${method} is not allowed on ${pathname}`,
        {},
        {
          allow: [...new Set(allowed)].join(", "),
        },
      );
    throw new HttpError(404, "not_found", `no route ${pathname}`);
  }
}
