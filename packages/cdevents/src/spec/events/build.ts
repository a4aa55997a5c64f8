/**
 * Build events (continuous integration stage).
 * @module
 */
import { purl } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";

const empty = {};

/** A build was queued. */
export const buildQueued = family("build", "queued", "build", {
  "0.3.0": at("0.1.1", empty),
  "0.4.1": at("0.2.0", empty),
  "0.5.1": at("0.3.0", empty),
});

/** A build started. */
export const buildStarted = family("build", "started", "build", {
  "0.3.0": at("0.1.1", empty),
  "0.4.1": at("0.2.0", empty),
  "0.5.1": at("0.3.0", empty),
});

const finished = {
  /** The artifact the build produced: a Package URL. */
  artifactId: purl(),
};

/** A build finished. */
export const buildFinished = family("build", "finished", "build", {
  "0.3.0": at("0.1.1", finished),
  "0.4.1": at("0.2.0", finished),
  "0.5.1": at("0.3.0", finished),
});
