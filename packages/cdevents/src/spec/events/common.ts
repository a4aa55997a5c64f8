/**
 * Pieces shared by many event declarations.
 * @module
 */
import { nonEmpty, obj, req, uriRef } from "../../schema/shapes.ts";
import type { ContentChange } from "../family.ts";

/** A reference to another subject: `{ id, source? }` (e.g. an environment, a change, a pipeline run). */
export const reference = () => obj({ id: req(nonEmpty()), source: uriRef({ nonEmpty: true }) });

/** 0.5 renamed content `url` (a plain string) to `uri` (an absolute URI). */
export const URL_TO_URI: ContentChange = { rename: { url: "uri" } };
