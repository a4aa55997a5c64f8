/**
 * Ticket events (continuous operations stage): issues in a ticketing system, from 0.4 on.
 * @module
 */
import { arrayOf, nonEmpty, req, str, suggested, uriRef } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";

const ticket = {
  /** Short summary of the ticket. */
  summary: str(),
  /** The kind of ticket (suggested values, any string accepted). */
  ticketType: suggested(["bug", "enhancement", "incident", "task", "question"]),
  /** The group the ticket is assigned to. */
  group: str(),
  /** Who created the ticket. */
  creator: nonEmpty(),
  /** Who the ticket is assigned to. */
  assignees: arrayOf(str()),
  /** Priority of the ticket (suggested values, any string accepted). */
  priority: suggested(["low", "medium", "high"]),
  /** Labels of the ticket. */
  labels: arrayOf(str()),
  /** The milestone the ticket belongs to. */
  milestone: str(),
  /** Where to see the ticket (a URI reference). */
  uri: req(uriRef({ nonEmpty: true })),
};
const created = {
  ...ticket,
  /** Short summary of the ticket. */
  summary: req(str()),
  /** Who created the ticket. */
  creator: req(nonEmpty()),
};
const updated = {
  ...ticket,
  /** Who last changed the ticket. */
  updatedBy: str(),
};
const closed = {
  ...updated,
  /** Why the ticket was closed (suggested values, any non-empty string accepted). */
  resolution: req(suggested(["completed", "withdrawn", "duplicate"], { nonEmpty: true })),
};

/** A ticket was created. */
export const ticketCreated = family("ticket", "created", "ticket", {
  "0.4.1": at("0.1.0", created),
  "0.5.1": at("0.2.0", created),
});

/** A ticket was updated. */
export const ticketUpdated = family("ticket", "updated", "ticket", {
  "0.4.1": at("0.1.0", updated),
  "0.5.1": at("0.2.0", updated),
});

/** A ticket was closed. Its 0.5 schema still accepts an optional `subject.type` (`ticket`). */
export const ticketClosed = family(
  "ticket",
  "closed",
  "ticket",
  {
    "0.4.1": at("0.1.0", closed),
    "0.5.1": at("0.2.0", closed),
  },
  { optionalSubjectType: true },
);
