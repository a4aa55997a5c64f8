/**
 * The one CDEvent the ingest bench sends (with a fresh id per event), shared by the load generator
 * (`ingest.ts`) and the raw-SQL baseline (`raw-sqlite.ts`).
 * @module
 */

/** The id in the template, replaced by a fresh one in every request. */
export const PLACEHOLDER = "ffffffff-ffff-4fff-bfff-ffffffffffff";

/** The bench's event: a realistic service deployment of CDEvents 0.4.1 with a chain id and a TRIGGER link. */
export function templateEvent(): Record<string, unknown> {
  const source = "/ci/github/cairn-io/payments";
  return {
    context: {
      version: "0.4.1",
      id: PLACEHOLDER,
      chainId: "4c8cb7dd-3448-41de-8768-eec704e2829b",
      source,
      type: "dev.cdevents.service.deployed.0.2.0",
      timestamp: new Date().toISOString(),
      links: [
        { linkType: "RELATION", linkKind: "TRIGGER", target: { contextId: "5328c37f-bb7e-4bb7-84ea-9f5f85e4a7ce" } },
      ],
    },
    subject: {
      id: "payments-api",
      source,
      type: "service",
      content: {
        environment: { id: "production-eu-1", source: "/k8s/eu-1" },
        artifactId:
          "pkg:oci/payments-api@sha256%3A0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427" +
          "?repository_url=ghcr.io/cairn-io/payments-api",
      },
    },
  };
}
