/**
 * Approval events: a request for a decision gating a resource (e.g. a deployment), its responses and its
 * closing. Only in the 0.6 draft (spec main), so opt-in.
 * @module
 */
import { nonEmpty, oneOf, req, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";

const approval = {
  /** Where a person can see the approval request. */
  approvalDetailsUrl: req(nonEmpty()),
  /** The resource the approval gates (e.g. a deployment). */
  resourceTargetUrl: req(nonEmpty()),
};
const response = {
  ...approval,
  /** Who responded (an absolute URI, e.g. `urn:user:bob`). */
  responder: req(uri()),
  /** The responder's decision. */
  decision: req(oneOf(["escalated", "delegate", "deferred", "requestChanges", "approved", "rejected"])),
};

/** An approval was requested. */
export const approvalCreated = family("approval", "created", "approval", {
  "0.6.0-draft": at("0.1.0", {
    ...approval,
    /** Who asked for the approval (an absolute URI, e.g. `urn:user:alice`). */
    requestor: req(uri({ nonEmpty: true })),
  }),
});

/** An approval received a response that does not end it. */
export const approvalUpdated = family("approval", "updated", "approval", {
  "0.6.0-draft": at("0.1.0", response),
});

/** An approval ended. */
export const approvalClosed = family("approval", "closed", "approval", {
  "0.6.0-draft": at("0.1.0", {
    ...response,
    /** The final state of the approval. */
    status: req(oneOf(["approved", "rejected", "cancelled", "expired"])),
  }),
});
