/**
 * Test output events (testing stage): a report, log, image or video a test run produced.
 * @module
 */
import { oneOf, req, str, uri } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { testRunRef } from "./testcaserun.ts";

const published = {
  /** What kind of output it is. */
  outputType: req(oneOf(["report", "video", "image", "log", "other"])),
  /** Media type of the output (e.g. `video/quicktime`). */
  format: req(str()),
  /** Where to fetch the output (an absolute URI). */
  uri: uri(),
  /** The test case run that produced the output. */
  testCaseRun: testRunRef(),
};

/** A test output was published. */
export const testoutputPublished = family("testoutput", "published", "testOutput", {
  "0.3.0": at("0.1.0", published),
  "0.4.1": at("0.2.0", published),
  "0.5.1": at("0.3.0", published),
});
