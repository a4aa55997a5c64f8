/**
 * Every declared event family, stable and draft. Adding a family here is all it takes for it to be typed,
 * validated, parsed, converted and listed.
 * @module
 */
import { approvalClosed, approvalCreated, approvalUpdated } from "./events/approval.ts";
import {
  artifactDeleted,
  artifactDownloaded,
  artifactPackaged,
  artifactPublished,
  artifactSigned,
} from "./events/artifact.ts";
import { branchCreated, branchDeleted } from "./events/branch.ts";
import { buildFinished, buildQueued, buildStarted } from "./events/build.ts";
import { changeAbandoned, changeCreated, changeMerged, changeReviewed, changeUpdated } from "./events/change.ts";
import { environmentCreated, environmentDeleted, environmentModified } from "./events/environment.ts";
import { incidentDetected, incidentReported, incidentResolved } from "./events/incident.ts";
import { pipelinerunFinished, pipelinerunQueued, pipelinerunStarted } from "./events/pipelinerun.ts";
import { repositoryCreated, repositoryDeleted, repositoryModified } from "./events/repository.ts";
import {
  serviceDeployed,
  servicePublished,
  serviceRemoved,
  serviceRolledback,
  serviceUpgraded,
} from "./events/service.ts";
import { taskrunFinished, taskrunStarted } from "./events/taskrun.ts";
import {
  testcaserunFinished,
  testcaserunQueued,
  testcaserunSkipped,
  testcaserunStarted,
} from "./events/testcaserun.ts";
import { testoutputPublished } from "./events/testoutput.ts";
import { testsuiterunFinished, testsuiterunQueued, testsuiterunStarted } from "./events/testsuiterun.ts";
import { ticketClosed, ticketCreated, ticketUpdated } from "./events/ticket.ts";
import type { EventsOf } from "./family.ts";

/** The families of the stable releases (0.3.0, 0.4.1, 0.5.1). */
export const stableFamilies = {
  // Core
  pipelinerunQueued,
  pipelinerunStarted,
  pipelinerunFinished,
  taskrunStarted,
  taskrunFinished,
  // Source code version control
  repositoryCreated,
  repositoryModified,
  repositoryDeleted,
  branchCreated,
  branchDeleted,
  changeCreated,
  changeUpdated,
  changeReviewed,
  changeMerged,
  changeAbandoned,
  // Continuous integration
  buildQueued,
  buildStarted,
  buildFinished,
  artifactPackaged,
  artifactSigned,
  artifactPublished,
  artifactDownloaded,
  artifactDeleted,
  // Testing
  testcaserunQueued,
  testcaserunStarted,
  testcaserunFinished,
  testcaserunSkipped,
  testsuiterunQueued,
  testsuiterunStarted,
  testsuiterunFinished,
  testoutputPublished,
  // Continuous deployment
  environmentCreated,
  environmentModified,
  environmentDeleted,
  serviceDeployed,
  serviceUpgraded,
  serviceRolledback,
  serviceRemoved,
  servicePublished,
  // Continuous operations
  incidentDetected,
  incidentReported,
  incidentResolved,
  ticketCreated,
  ticketUpdated,
  ticketClosed,
} as const;

/** Families that exist only in the 0.6 draft (opt-in). */
export const draftFamilies = {
  approvalCreated,
  approvalUpdated,
  approvalClosed,
} as const;

/** Any CDEvent of a stable release, discriminated by `context.type`. */
export type CDEvent = EventsOf<(typeof stableFamilies)[keyof typeof stableFamilies]>;

/** Any CDEvent of the 0.6 draft's own families (approval.*). */
export type DraftCDEvent = EventsOf<(typeof draftFamilies)[keyof typeof draftFamilies]>;

/** Every stable event type string. */
export type CDEventType = CDEvent["context"]["type"];

/** The event with type string `T`. */
export type CDEventOfType<T extends CDEventType> = Extract<CDEvent, { context: { type: T } }>;
