/**
 * Incident events (continuous operations stage): a problem in a running service, from detection to resolution.
 * @module
 */
import { purl, req, str, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { reference } from "./common.ts";

const incident = {
  /** What the incident is (in `resolved`: how it was resolved). */
  description: str(),
  /** The environment where the incident happened. */
  environment: req(reference()),
  /** The service affected by the incident. */
  service: reference(),
  /** The artifact thought to cause the incident: a Package URL. */
  artifactId: purl({ nonEmpty: true }),
};
const reported = {
  ...incident,
  /** The ticket tracking the incident (an absolute URI). */
  ticketURI: req(uri({ nonEmpty: true })),
};

/** An incident was detected (e.g. by monitoring). */
export const incidentDetected = family("incident", "detected", "incident", {
  "0.3.0": at("0.1.0", incident),
  "0.4.1": at("0.2.0", incident),
  "0.5.1": at("0.3.0", incident),
});

/** An incident was reported in a ticketing system. */
export const incidentReported = family("incident", "reported", "incident", {
  "0.3.0": at("0.1.0", reported),
  "0.4.1": at("0.2.0", reported),
  "0.5.1": at("0.3.0", reported),
});

/** An incident was resolved. */
export const incidentResolved = family("incident", "resolved", "incident", {
  "0.3.0": at("0.1.0", incident),
  "0.4.1": at("0.2.0", incident),
  "0.5.1": at("0.3.0", incident),
});
