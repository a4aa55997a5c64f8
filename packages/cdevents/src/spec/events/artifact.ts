/**
 * Artifact events (continuous integration stage). The artifact itself is `subject.id`, a Package URL.
 * @module
 */
import { nonEmpty, obj, req, uriRef } from "../../schema/shapes.ts";
import { at, family } from "../family.ts";
import { reference } from "./common.ts";

const sbom = () =>
  obj({
    /** Where the Software Bill of Materials of the artifact can be fetched. */
    uri: req(uriRef({ nonEmpty: true })),
  });

const packagedV03 = {
  /** The change (e.g. a pull request) the artifact was built from. */
  change: req(reference()),
};
const packagedV04 = {
  ...packagedV03,
  /** The artifact's Software Bill of Materials. */
  sbom: sbom(),
};

/** An artifact was packaged for distribution. */
export const artifactPackaged = family("artifact", "packaged", "artifact", {
  "0.3.0": at("0.1.1", packagedV03),
  "0.4.1": at("0.2.0", packagedV04),
  "0.5.1": at("0.3.0", packagedV04),
});

const published = {
  /** The artifact's Software Bill of Materials. */
  sbom: sbom(),
  /** The user who published the artifact. */
  user: nonEmpty(),
};

/** An artifact was published and can be fetched. */
export const artifactPublished = family("artifact", "published", "artifact", {
  "0.3.0": at("0.1.1", {}),
  "0.4.1": at("0.2.0", published),
  "0.5.1": at("0.3.0", published),
});

const signed = {
  /** The artifact's signature. */
  signature: req(nonEmpty()),
};

/** An artifact was signed. */
export const artifactSigned = family("artifact", "signed", "artifact", {
  "0.3.0": at("0.1.0", signed),
  "0.4.1": at("0.2.0", signed),
  "0.5.1": at("0.3.0", signed),
});

const byUser = {
  /** The user who acted on the artifact. */
  user: nonEmpty(),
};

/** An artifact was deleted. */
export const artifactDeleted = family("artifact", "deleted", "artifact", {
  "0.4.1": at("0.1.0", byUser),
  "0.5.1": at("0.2.0", byUser),
});

/** An artifact was downloaded. */
export const artifactDownloaded = family("artifact", "downloaded", "artifact", {
  "0.4.1": at("0.1.0", byUser),
  "0.5.1": at("0.2.0", byUser),
});
