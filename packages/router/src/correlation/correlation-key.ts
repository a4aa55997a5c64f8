/**
 * Correlation keys: which value of an event puts it in the same join as others. `correlateBy` is either a
 * CloudEvents attribute name (`subject`, `partitionkey`, any extension) or a JSON Pointer (RFC 6901) into the
 * CDEvent (`/subject/id`, `/context/chainId`, `/customData/orderId`). Strings are keys as they are; numbers and
 * booleans in their default string form; anything else (absent, empty, null, objects, longer than
 * {@link MAX_KEY_LENGTH}, holding U+0000) means "no key", and such an event takes part in no join of that
 * dependency.
 * @module
 */
import { ATTRIBUTE_NAME, type EventAttributes, readAttribute } from "../attributes.ts";

/** A compiled `correlateBy`. */
export type CorrelateBy =
  | { readonly kind: "attribute"; readonly name: string }
  | { readonly kind: "pointer"; readonly tokens: readonly string[] };

/** Longest key used: a longer value joins nothing (state rows and emitted events stay bounded). */
export const MAX_KEY_LENGTH = 1024;

/** Compiles a `correlateBy` string, or says why it is not one. */
export function parseCorrelateBy(text: string): CorrelateBy | string {
  if (!text.startsWith("/")) {
    if (ATTRIBUTE_NAME.test(text)) return { kind: "attribute", name: text };
    return `${JSON.stringify(text)} is neither a CloudEvents attribute name (lower-case letters and digits) nor a JSON Pointer such as /subject/id`;
  }
  const tokens: string[] = [];
  for (const raw of text.slice(1).split("/")) {
    if (/~[^01]|~$/.test(raw)) return `${JSON.stringify(text)} is not a JSON Pointer: "~" must be followed by 0 or 1`;
    tokens.push(raw.replaceAll("~1", "/").replaceAll("~0", "~"));
  }
  return { kind: "pointer", tokens };
}

/**
 * The key of an event, or undefined when it has none. `cdevent` is only called for a pointer (the hub parses the
 * stored body on demand).
 */
export function readKey(by: CorrelateBy, attributes: EventAttributes, cdevent: () => unknown): string | undefined {
  const value = by.kind === "attribute" ? readAttribute(attributes, by.name) : resolve(cdevent(), by.tokens);
  const text =
    typeof value === "string"
      ? value
      : typeof value === "number" && Number.isFinite(value)
        ? String(value)
        : typeof value === "boolean"
          ? String(value)
          : undefined;
  // U+0000 cannot be stored in PostgreSQL text; such a key would stop the hub's correlation loop.
  if (text === undefined || text === "" || text.length > MAX_KEY_LENGTH || text.includes("\u0000")) return undefined;
  return text;
}

// Own members only, so that a pointer such as /constructor never finds an inherited value.
function resolve(root: unknown, tokens: readonly string[]): unknown {
  let at = root;
  for (const token of tokens) {
    if (Array.isArray(at)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      at = at[Number(token)];
    } else if (typeof at === "object" && at !== null && Object.hasOwn(at, token)) {
      at = (at as Record<string, unknown>)[token];
    } else return undefined;
  }
  return at;
}
