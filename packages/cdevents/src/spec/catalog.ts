/**
 * Every declared event family, stable and draft. Adding a family here is all it takes for it to be typed,
 * validated, parsed, converted and listed.
 * @module
 */
import { buildFinished, buildQueued, buildStarted } from "./events/build.ts";
import { taskrunFinished, taskrunStarted } from "./events/taskrun.ts";
import type { EventsOf } from "./family.ts";

/** The families of the stable releases (0.3.0, 0.4.1, 0.5.1). */
export const stableFamilies = {
  buildQueued,
  buildStarted,
  buildFinished,
  taskrunStarted,
  taskrunFinished,
} as const;

/** Families that exist only in the 0.6 draft (opt-in). */
export const draftFamilies = {} as const;

/** Any CDEvent of a stable release, discriminated by `context.type`. */
export type CDEvent = EventsOf<(typeof stableFamilies)[keyof typeof stableFamilies]>;

/** Any CDEvent of the 0.6 draft's own families (approval.*). */
export type DraftCDEvent = EventsOf<(typeof draftFamilies)[keyof typeof draftFamilies]>;

/** Every stable event type string. */
export type CDEventType = CDEvent["context"]["type"];

/** The event with type string `T`. */
export type CDEventOfType<T extends CDEventType> = Extract<CDEvent, { context: { type: T } }>;
