/**
 * Pipeline run events (core stage): one execution of a pipeline, made of task runs.
 * @module
 */
import { oneOf, req, str, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { URL_TO_URI } from "./common.ts";

const runV03 = {
  /** Name of the pipeline. */
  pipelineName: str(),
  /** Where to see the pipeline run. */
  url: str(),
};
const runV05 = {
  /** Name of the pipeline. */
  pipelineName: str(),
  /** Where to see the pipeline run (an absolute URI). */
  uri: uri(),
};

/** A pipeline run was queued. */
export const pipelinerunQueued = family("pipelinerun", "queued", "pipelineRun", {
  "0.3.0": at("0.1.1", runV03),
  "0.4.1": at("0.2.0", runV03),
  "0.5.1": at("0.3.0", runV05, URL_TO_URI),
});

const startedV03 = {
  /** Name of the pipeline. */
  pipelineName: req(str()),
  /** Where to see the pipeline run. */
  url: req(str()),
};
const startedV05 = {
  /** Name of the pipeline. */
  pipelineName: req(str()),
  /** Where to see the pipeline run (an absolute URI). */
  uri: req(uri()),
};

/** A pipeline run started. */
export const pipelinerunStarted = family("pipelinerun", "started", "pipelineRun", {
  "0.3.0": at("0.1.1", startedV03),
  "0.4.1": at("0.2.0", startedV03),
  "0.5.1": at("0.3.0", startedV05, URL_TO_URI),
});

const errors = {
  /** Error details, when it failed. */
  errors: str(),
};
const finishedV03 = {
  ...runV03,
  /** How the pipeline run ended (free text). */
  outcome: str(),
  ...errors,
};
const finishedV05 = {
  ...runV05,
  /** How the pipeline run ended. */
  outcome: oneOf(["success", "failure", "cancel", "error"]),
  ...errors,
};

/** A pipeline run finished. */
export const pipelinerunFinished = family("pipelinerun", "finished", "pipelineRun", {
  "0.3.0": at("0.1.1", finishedV03),
  "0.4.1": at("0.2.0", finishedV03),
  "0.5.1": at("0.3.0", finishedV05, URL_TO_URI),
});
