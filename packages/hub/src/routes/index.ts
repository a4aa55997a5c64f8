/**
 * The hub's route table: every route, its method and the scope it needs. The OpenAPI document describes exactly
 * these (a test checks both ways).
 * @module
 */
import type { Route } from "../http/router.ts";
import { getDeadLetter, listDeadLetters, purgeDeadLetters, replayDeadLetters } from "./deadletters.ts";
import { getEvent, listEvents, lookupEvent, subjectTimeline } from "./events.ts";
import { home } from "./home.ts";
import { ingest } from "./ingest.ts";
import { openapi } from "./openapi.ts";
import { adminStatus, healthz, metrics, readyz } from "./operate.ts";
import { runRetention } from "./retention.ts";
import { stream } from "./stream.ts";
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  updateSubscription,
} from "./subscriptions.ts";
import { createTrigger, deleteTrigger, getTrigger, listTriggers, updateTrigger } from "./triggers.ts";

/** Every route of the hub. */
export const ROUTES: readonly Route[] = [
  { method: "GET", path: "/", scope: null, handler: home },
  { method: "GET", path: "/healthz", scope: null, handler: healthz },
  { method: "GET", path: "/readyz", scope: null, handler: readyz },
  { method: "GET", path: "/metrics", scope: null, handler: metrics },
  { method: "GET", path: "/api/openapi.json", scope: null, handler: openapi },
  { method: "POST", path: "/api/v1/events", scope: "ingest", handler: ingest },
  { method: "GET", path: "/api/v1/events", scope: "read", handler: listEvents },
  { method: "GET", path: "/api/v1/events/lookup", scope: "read", handler: lookupEvent },
  { method: "GET", path: "/api/v1/events/{sequence}", scope: "read", handler: getEvent },
  { method: "GET", path: "/api/v1/subjects/{subjectId}/timeline", scope: "read", handler: subjectTimeline },
  { method: "GET", path: "/api/v1/stream", scope: "read", handler: stream, queryToken: true },
  { method: "GET", path: "/api/v1/admin/status", scope: "admin", handler: adminStatus },
  { method: "POST", path: "/api/v1/admin/retention", scope: "admin", handler: runRetention },
  { method: "GET", path: "/api/v1/subscriptions", scope: "read", handler: listSubscriptions },
  { method: "POST", path: "/api/v1/subscriptions", scope: "admin", handler: createSubscription },
  { method: "GET", path: "/api/v1/subscriptions/{id}", scope: "read", handler: getSubscription },
  { method: "PUT", path: "/api/v1/subscriptions/{id}", scope: "admin", handler: updateSubscription },
  { method: "DELETE", path: "/api/v1/subscriptions/{id}", scope: "admin", handler: deleteSubscription },
  { method: "GET", path: "/api/v1/deadletters", scope: "read", handler: listDeadLetters },
  { method: "DELETE", path: "/api/v1/deadletters", scope: "admin", handler: purgeDeadLetters },
  { method: "POST", path: "/api/v1/deadletters/replay", scope: "admin", handler: replayDeadLetters },
  { method: "GET", path: "/api/v1/deadletters/{id}", scope: "read", handler: getDeadLetter },
  { method: "GET", path: "/api/v1/triggers", scope: "read", handler: listTriggers },
  { method: "POST", path: "/api/v1/triggers", scope: "admin", handler: createTrigger },
  { method: "GET", path: "/api/v1/triggers/{id}", scope: "read", handler: getTrigger },
  { method: "PUT", path: "/api/v1/triggers/{id}", scope: "admin", handler: updateTrigger },
  { method: "DELETE", path: "/api/v1/triggers/{id}", scope: "admin", handler: deleteTrigger },
];
