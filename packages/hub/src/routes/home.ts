/**
 * `GET /`: a small page telling a person where they are, until the web UI arrives.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubContext } from "../context.ts";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** Renders the landing page (event count from the store's counters, so it is cheap). */
export async function home(ctx: HubContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  const stats = await ctx.store.stats().catch(() => null);
  const count = stats === null ? "unavailable" : stats.events.toLocaleString("en");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cairn hub</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:.1em .3em;border-radius:3px}dt{font-weight:600}</style></head>
<body><h1>Cairn hub</h1>
<p>This is a Cairn hub: it collects CDEvents and answers questions about them.</p>
<dl><dt>Version</dt><dd>${escapeHtml(ctx.version)}</dd>
<dt>Store</dt><dd>${escapeHtml(ctx.store.engine)}</dd>
<dt>Events stored</dt><dd id="event-count">${escapeHtml(count)}</dd></dl>
<h2>API</h2><ul>
<li><a href="/api/openapi.json">OpenAPI document</a> — every route</li>
<li><code>POST /api/v1/events</code> — send CDEvents (CloudEvents binary, structured or batch)</li>
<li><a href="/api/v1/events?limit=20">/api/v1/events</a> — query; <a href="/api/v1/stream">/api/v1/stream</a> — live</li>
<li><a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>, <a href="/metrics">/metrics</a></li>
</ul><p>From a shell: <code>cairn send</code>, <code>cairn events</code>, <code>cairn tail</code>.</p></body></html>`;
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(html) });
  res.end(html);
}
