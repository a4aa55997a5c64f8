/**
 * fast-check generators of CDEvent-shaped objects for the wire-layer tests: attribute strings full of what headers
 * get wrong (spaces, `%`, quotes, non-ASCII, control characters, look-alike escapes), RFC 3339 timestamps with
 * fractions and offsets, custom data as objects or base64, unknown members everywhere.
 * @module
 */
import fc from "fast-check";
import type { ExtensionValue } from "../src/binding/cloudevent.ts";

/** A CDEvent as generated: plain JSON. */
export type GeneratedEvent = {
  context: { [key: string]: unknown };
  subject: { [key: string]: unknown };
  [key: string]: unknown;
};

const TRICKY = [" ", "%", "%41", "%zz", "%C0%A0", "%", '"', '\\"', "é", "€", "😀", "\t", "\u0001", "\u007f", "ä"];

/** Non-empty attribute text mixing tricky fragments with arbitrary Unicode (no lone surrogates). */
export const wildText: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: "binary", minLength: 1, maxLength: 8 })), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(""));

/** Attribute text a strict header-unaware receiver keeps intact: printable ASCII without `%`. */
export const plainText: fc.Arbitrary<string> = fc.stringMatching(/^[A-Za-z0-9._~:/@!$&'()*+,;=-]{1,24}$/);

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0"));

/** RFC 3339 date-times with 0–9 fractional digits and `Z`, `z` or a numeric offset, as producers write them. */
export const timestamp: fc.Arbitrary<string> = fc
  .record({
    year: fc.integer({ min: 1970, max: 2100 }).map(String),
    month: fc.integer({ min: 1, max: 12 }).map((n) => String(n).padStart(2, "0")),
    day: fc.integer({ min: 1, max: 28 }).map((n) => String(n).padStart(2, "0")),
    hour: two(23),
    minute: two(59),
    second: two(59),
    fraction: fc.oneof(fc.constant(""), fc.stringMatching(/^\.[0-9]{1,9}$/)),
    zone: fc.oneof(
      fc.constantFrom("Z", "z", "+00:00", "-00:00"),
      fc.tuple(fc.constantFrom("+", "-"), two(23), two(59)).map(([s, h, m]) => `${s}${h}:${m}`),
    ),
  })
  .map((t) => `${t.year}-${t.month}-${t.day}T${t.hour}:${t.minute}:${t.second}${t.fraction}${t.zone}`);

const extraKey = fc.string({ unit: "binary", maxLength: 10 });
const extras = fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

const customData = fc.oneof(
  fc.record({ customData: fc.dictionary(extraKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }) }),
  fc.record({
    customData: fc.base64String({ maxLength: 40 }),
    customDataContentType: fc.constant("application/octet-stream"),
  }),
  fc.constant({}),
);

/** CDEvent-shaped objects: required members plus unknown ones at every level. */
export const cdevent: fc.Arbitrary<GeneratedEvent> = fc
  .record({
    id: wildText,
    source: wildText,
    type: wildText,
    timestamp,
    subjectId: wildText,
    contextExtras: extras,
    subjectExtras: extras,
    topExtras: extras,
    custom: customData,
  })
  .map((g) => ({
    ...g.topExtras,
    ...g.custom,
    context: {
      ...g.contextExtras,
      specversion: "0.5.1",
      id: g.id,
      source: g.source,
      type: g.type,
      timestamp: g.timestamp,
    },
    subject: { ...g.subjectExtras, id: g.subjectId, content: {} },
  }));

/** Same, but every attribute is {@link plainText}: for receivers that do not percent-decode. */
export const plainCdevent: fc.Arbitrary<GeneratedEvent> = fc
  .tuple(cdevent, plainText, plainText, plainText, plainText)
  .map(([e, id, source, type, subject]) => ({
    ...e,
    context: { ...e.context, id, source: `/${source}`, type },
    subject: { ...e.subject, id: subject },
  }));

const extensionName = fc
  .stringMatching(/^[a-z0-9]{1,20}$/)
  .filter(
    (n) =>
      !["specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data"].includes(n),
  );

/** Extension maps with string values (what every binding carries unchanged). */
export const stringExtensions: fc.Arbitrary<Record<string, string>> = fc.dictionary(extensionName, wildText, {
  maxKeys: 3,
  noNullPrototype: true,
});

/** Extension maps with any CloudEvents extension type (structured mode keeps the types). */
export const typedExtensions: fc.Arbitrary<Record<string, ExtensionValue>> = fc.dictionary(
  extensionName,
  fc.oneof(wildText, fc.boolean(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  { maxKeys: 3, noNullPrototype: true },
);

/** Optional `dataschema` values. */
export const dataschema: fc.Arbitrary<string | undefined> = fc.option(
  fc.constantFrom("https://cdevents.dev/0.5.1/schema/artifact-packaged-event", "https://example.com/s?a=b c"),
  { nil: undefined },
);

/** The CDEvent as it must come back from the wire: a JSON round trip of the original. */
export function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
