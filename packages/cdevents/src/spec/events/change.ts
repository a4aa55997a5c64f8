/**
 * Change events (source code version control stage): a change is a proposed modification of a repository,
 * such as a pull request.
 * @module
 */
import { nonEmpty } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { reference } from "./common.ts";

const change = {
  /** The repository the change is proposed to. */
  repository: reference(),
};
const createdV04 = {
  /** What the change is about. */
  description: nonEmpty(),
  ...change,
};

/** A change was created. */
export const changeCreated = family("change", "created", "change", {
  "0.3.0": at("0.1.2", change),
  "0.4.1": at("0.3.0", createdV04),
  "0.5.1": at("0.4.0", createdV04),
});

/** A change was updated. */
export const changeUpdated = family("change", "updated", "change", {
  "0.3.0": at("0.1.2", change),
  "0.4.1": at("0.2.0", change),
  "0.5.1": at("0.3.0", change),
});

/** A change was reviewed. */
export const changeReviewed = family("change", "reviewed", "change", {
  "0.3.0": at("0.1.2", change),
  "0.4.1": at("0.2.0", change),
  "0.5.1": at("0.3.0", change),
});

/** A change was merged into its target. */
export const changeMerged = family("change", "merged", "change", {
  "0.3.0": at("0.1.2", change),
  "0.4.1": at("0.2.0", change),
  "0.5.1": at("0.3.0", change),
});

/** A change was abandoned without being merged. */
export const changeAbandoned = family("change", "abandoned", "change", {
  "0.3.0": at("0.1.2", change),
  "0.4.1": at("0.2.0", change),
  "0.5.1": at("0.3.0", change),
});
