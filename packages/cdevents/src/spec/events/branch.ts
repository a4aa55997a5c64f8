/**
 * Branch events (source code version control stage).
 * @module
 */
import { at, family } from "../family.ts";
import { reference } from "./common.ts";

const branch = {
  /** The repository the branch belongs to. */
  repository: reference(),
};

/** A branch was created. */
export const branchCreated = family("branch", "created", "branch", {
  "0.3.0": at("0.1.2", branch),
  "0.4.1": at("0.2.0", branch),
  "0.5.1": at("0.3.0", branch),
});

/** A branch was deleted. */
export const branchDeleted = family("branch", "deleted", "branch", {
  "0.3.0": at("0.1.2", branch),
  "0.4.1": at("0.2.0", branch),
  "0.5.1": at("0.3.0", branch),
});
