/**
 * Test case run events (testing stage): one execution of one test case. Also holds the pieces the other
 * testing events share.
 * @module
 */
import { nonEmpty, obj, oneOf, openObj, req, str, uri } from "../../schema/shapes.ts";
import { at, type ContentChange, family } from "../family.ts";
import { reference } from "./common.ts";

/** What triggered a test run. Open: producers may add their own members. */
export const trigger = () =>
  openObj({
    /** The kind of trigger. */
    type: oneOf(["manual", "pipeline", "event", "schedule", "other"]),
    /** Where to find the trigger (an absolute URI). */
    uri: uri(),
  });

/** A reference to a test run (`{ id, source? }`); unlike {@link reference}, `source` is any string. */
export const testRunRef = () =>
  obj({
    /** Identifier of the run. */
    id: req(nonEmpty()),
    /** Source of the run, when it differs from the event's. */
    source: str(),
  });

/** Outcomes of a finished test run up to 0.4.1. */
export const outcomeV03 = () => oneOf(["pass", "fail", "cancel", "error"]);
/** Outcomes of a finished test run from 0.5 on. */
export const outcomeV05 = () => oneOf(["success", "failure", "cancel", "error"]);
/** 0.5 renamed test outcomes `pass` and `fail` to `success` and `failure`. */
export const OUTCOME_RENAMES: ContentChange = { values: { outcome: { pass: "success", fail: "failure" } } };
/** How serious a test failure is. */
export const severity = () => oneOf(["low", "medium", "high", "critical"]);

const testCase = () =>
  obj({
    /** Identifier of the test case. */
    id: req(nonEmpty()),
    /** Version of the test case. */
    version: str(),
    /** Name of the test case. */
    name: str(),
    /** The kind of test. */
    type: oneOf(["performance", "functional", "unit", "security", "compliance", "integration", "e2e", "other"]),
    /** Where to find the test case (an absolute URI). */
    uri: uri(),
  });

const run = {
  /** The environment the test runs in. */
  environment: req(reference()),
  /** The test suite run this test case run belongs to. */
  testSuiteRun: testRunRef(),
  /** The test case being run. */
  testCase: testCase(),
};
const scheduled = {
  /** What triggered the run. */
  trigger: trigger(),
  ...run,
};

/** A test case run was queued. */
export const testcaserunQueued = family("testcaserun", "queued", "testCaseRun", {
  "0.3.0": at("0.1.0", scheduled),
  "0.4.1": at("0.2.0", scheduled),
  "0.5.1": at("0.3.0", scheduled),
});

/** A test case run started. */
export const testcaserunStarted = family("testcaserun", "started", "testCaseRun", {
  "0.3.0": at("0.1.0", scheduled),
  "0.4.1": at("0.2.0", scheduled),
  "0.5.1": at("0.3.0", scheduled),
});

const verdict = {
  /** How serious a failure is. */
  severity: severity(),
  /** Why the run ended this way. */
  reason: str(),
};

const finishedV03 = {
  /** The result of the run. */
  outcome: req(outcomeV03()),
  ...verdict,
  ...run,
};
const finishedV05 = {
  /** The result of the run. */
  outcome: req(outcomeV05()),
  ...verdict,
  ...run,
};

/** A test case run finished. */
export const testcaserunFinished = family("testcaserun", "finished", "testCaseRun", {
  "0.3.0": at("0.1.0", finishedV03),
  "0.4.1": at("0.2.0", finishedV03),
  "0.5.1": at("0.3.0", finishedV05, OUTCOME_RENAMES),
});

const skipped = {
  /** Why the test case was skipped. */
  reason: str(),
  ...run,
  /** The environment the test would have run in. */
  environment: reference(),
};

/** A test case run was skipped. */
export const testcaserunSkipped = family("testcaserun", "skipped", "testCaseRun", {
  "0.4.1": at("0.1.0", skipped),
  "0.5.1": at("0.2.0", skipped),
});
