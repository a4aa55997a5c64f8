/**
 * Test suite run events (testing stage): one execution of a suite of test cases.
 * @module
 */
import { nonEmpty, obj, req, str, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { reference } from "./common.ts";
import { OUTCOME_RENAMES, outcomeV03, outcomeV05, severity, trigger } from "./testcaserun.ts";

const suite = {
  /** Identifier of the test suite. */
  id: req(nonEmpty()),
  /** Version of the test suite. */
  version: str(),
  /** Name of the test suite. */
  name: str(),
};
const testSuite = () =>
  obj({
    ...suite,
    /** Where to find the test suite (an absolute URI). */
    uri: uri(),
  });
/** The test suite of `queued` up to 0.4.1: its location is named `url` (still an absolute URI). */
const testSuiteWithUrl = () =>
  obj({
    ...suite,
    /** Where to find the test suite (an absolute URI). */
    url: uri(),
  });

const environment = {
  /** The environment the suite runs in. */
  environment: req(reference()),
};
const scheduled = {
  /** What triggered the run. */
  trigger: trigger(),
  ...environment,
  /** The test suite being run. */
  testSuite: testSuite(),
};
const queuedV03 = {
  ...scheduled,
  /** The test suite being run. */
  testSuite: testSuiteWithUrl(),
};

/** A test suite run was queued. */
export const testsuiterunQueued = family("testsuiterun", "queued", "testSuiteRun", {
  "0.3.0": at("0.1.0", queuedV03),
  "0.4.1": at("0.2.0", queuedV03),
  "0.5.1": at("0.3.0", scheduled, { rename: { "testSuite.url": "testSuite.uri" } }),
});

/** A test suite run started. */
export const testsuiterunStarted = family("testsuiterun", "started", "testSuiteRun", {
  "0.3.0": at("0.1.0", scheduled),
  "0.4.1": at("0.2.0", scheduled),
  "0.5.1": at("0.3.0", scheduled),
});

const finished = {
  ...environment,
  /** The test suite that ran. */
  testSuite: testSuite(),
  /** How serious a failure is. */
  severity: severity(),
  /** Why the run ended this way. */
  reason: str(),
};
const finishedV03 = {
  ...finished,
  /** The result of the run. */
  outcome: req(outcomeV03()),
};
const finishedV05 = {
  ...finished,
  /** The result of the run. */
  outcome: req(outcomeV05()),
};

/** A test suite run finished. */
export const testsuiterunFinished = family("testsuiterun", "finished", "testSuiteRun", {
  "0.3.0": at("0.1.0", finishedV03),
  "0.4.1": at("0.2.0", finishedV03),
  "0.5.1": at("0.3.0", finishedV05, OUTCOME_RENAMES),
});
