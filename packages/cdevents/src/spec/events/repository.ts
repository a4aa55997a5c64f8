/**
 * Repository events (source code version control stage).
 * @module
 */
import { nonEmpty, req, str, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { URL_TO_URI } from "./common.ts";

const createdV03 = {
  /** Name of the repository (e.g. `cdevents/spec`). */
  name: req(nonEmpty()),
  /** Owner of the repository (an organisation or a user). */
  owner: str(),
  /** Where to reach the repository (e.g. to clone it). */
  url: req(nonEmpty()),
  /** Where a person can browse the repository. */
  viewUrl: str(),
};
const createdV05 = {
  /** Name of the repository (e.g. `cdevents/spec`). */
  name: req(nonEmpty()),
  /** Owner of the repository (an organisation or a user). */
  owner: str(),
  /** Where to reach the repository (e.g. to clone it), an absolute URI. */
  uri: req(uri()),
  /** Where a person can browse the repository (an absolute URI). */
  viewUrl: uri(),
};

/** A repository was created. */
export const repositoryCreated = family("repository", "created", "repository", {
  "0.3.0": at("0.1.1", createdV03),
  "0.4.1": at("0.2.0", createdV03),
  "0.5.1": at("0.3.0", createdV05, URL_TO_URI),
});

const changedV03 = {
  /** Name of the repository. */
  name: str(),
  /** Owner of the repository. */
  owner: str(),
  /** Where to reach the repository. */
  url: str(),
  /** Where a person can browse the repository. */
  viewUrl: str(),
};
const changedV05 = {
  /** Name of the repository. */
  name: str(),
  /** Owner of the repository. */
  owner: str(),
  /** Where to reach the repository (an absolute URI). */
  uri: uri(),
  /** Where a person can browse the repository (an absolute URI). */
  viewUrl: uri(),
};

/** A repository was modified. */
export const repositoryModified = family("repository", "modified", "repository", {
  "0.3.0": at("0.1.1", changedV03),
  "0.4.1": at("0.2.0", changedV03),
  "0.5.1": at("0.3.0", changedV05, URL_TO_URI),
});

/** A repository was deleted. */
export const repositoryDeleted = family("repository", "deleted", "repository", {
  "0.3.0": at("0.1.1", changedV03),
  "0.4.1": at("0.2.0", changedV03),
  "0.5.1": at("0.3.0", changedV05, URL_TO_URI),
});
