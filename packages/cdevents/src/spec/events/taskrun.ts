/**
 * Task run events (core stage).
 * @module
 */
import { str, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { reference, URL_TO_URI } from "./common.ts";

const startedV03 = {
  /** Name of the task. */
  taskName: str(),
  /** Where to see the task run. */
  url: str(),
  /** The pipeline run the task belongs to. */
  pipelineRun: reference(),
};
const startedV05 = {
  /** Name of the task. */
  taskName: str(),
  /** Where to see the task run (an absolute URI). */
  uri: uri(),
  /** The pipeline run the task belongs to. */
  pipelineRun: reference(),
};

/** A task run started. */
export const taskrunStarted = family("taskrun", "started", "taskRun", {
  "0.3.0": at("0.1.1", startedV03),
  "0.4.1": at("0.2.0", startedV03),
  "0.5.1": at("0.3.0", startedV05, URL_TO_URI),
});

const result = {
  /** How the task ended (free text up to 0.5.1). */
  outcome: str(),
  /** Error details, when it failed. */
  errors: str(),
};

/** A task run finished. */
export const taskrunFinished = family("taskrun", "finished", "taskRun", {
  "0.3.0": at("0.1.1", { ...startedV03, ...result }),
  "0.4.1": at("0.2.0", { ...startedV03, ...result }),
  "0.5.1": at("0.3.0", { ...startedV05, ...result }, URL_TO_URI),
});
