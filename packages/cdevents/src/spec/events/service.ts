/**
 * Service events (continuous deployment stage): a service is an instance of an artifact running in an
 * environment.
 * @module
 */
import { purl, req } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { reference } from "./common.ts";

const deployment = {
  /** The environment the service runs in. */
  environment: req(reference()),
  /** The artifact now running: a Package URL. */
  artifactId: req(purl({ nonEmpty: true })),
};
const located = {
  /** The environment the service runs in. */
  environment: reference(),
};

/** A new instance of a service was deployed. */
export const serviceDeployed = family("service", "deployed", "service", {
  "0.3.0": at("0.1.1", deployment),
  "0.4.1": at("0.2.0", deployment),
  "0.5.1": at("0.3.0", deployment),
});

/** A running service moved to a newer version. */
export const serviceUpgraded = family("service", "upgraded", "service", {
  "0.3.0": at("0.1.1", deployment),
  "0.4.1": at("0.2.0", deployment),
  "0.5.1": at("0.3.0", deployment),
});

/** A running service moved back to an earlier version. */
export const serviceRolledback = family("service", "rolledback", "service", {
  "0.3.0": at("0.1.1", deployment),
  "0.4.1": at("0.2.0", deployment),
  "0.5.1": at("0.3.0", deployment),
});

/** A service instance was removed. */
export const serviceRemoved = family("service", "removed", "service", {
  "0.3.0": at("0.1.1", located),
  "0.4.1": at("0.2.0", located),
  "0.5.1": at("0.3.0", located),
});

/** A service became reachable by its users. */
export const servicePublished = family("service", "published", "service", {
  "0.3.0": at("0.1.1", located),
  "0.4.1": at("0.2.0", located),
  "0.5.1": at("0.3.0", located),
});
