/**
 * Environment events (continuous deployment stage): where services run (e.g. a cluster or a namespace).
 * @module
 */
import { str, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { URL_TO_URI } from "./common.ts";

const named = {
  /** Human-readable name of the environment (e.g. `prod`). */
  name: str(),
};
const describedV03 = {
  ...named,
  /** Where to reach the environment. */
  url: str(),
};
const describedV05 = {
  ...named,
  /** Where to reach the environment (an absolute URI). */
  uri: uri(),
};

/** An environment was created. */
export const environmentCreated = family("environment", "created", "environment", {
  "0.3.0": at("0.1.1", describedV03),
  "0.4.1": at("0.2.0", describedV03),
  "0.5.1": at("0.3.0", describedV05, URL_TO_URI),
});

/** An environment was modified. */
export const environmentModified = family("environment", "modified", "environment", {
  "0.3.0": at("0.1.1", describedV03),
  "0.4.1": at("0.2.0", describedV03),
  "0.5.1": at("0.3.0", describedV05, URL_TO_URI),
});

/** An environment was deleted. */
export const environmentDeleted = family("environment", "deleted", "environment", {
  "0.3.0": at("0.1.1", named),
  "0.4.1": at("0.2.0", named),
  "0.5.1": at("0.3.0", named),
});
