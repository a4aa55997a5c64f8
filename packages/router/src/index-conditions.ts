/**
 * What the subscription index keys on: from a compiled filter tree, the strongest *necessary* condition on `type`
 * or `source` that a hash map or a prefix map can answer — a disjunction of `exact` and `prefix` atoms that every
 * matching event satisfies. Only positions outside `not` are considered (there, a filter that fails is false), so
 * the condition is necessary whatever the rest of the tree says.
 * @module
 */
import type { Expression } from "@cairn/cesql";
import { cdeventsTypePrefix } from "./cdevents-dialect.ts";
import type { FilterNode } from "./filter-parse.ts";

/** Attributes the index keys on. */
export type IndexedAttribute = "type" | "source";

/** One indexable test: the attribute equals, or starts with, `value`. */
export interface IndexAtom {
  readonly attribute: IndexedAttribute;
  readonly op: "exact" | "prefix";
  readonly value: string;
}

/** A disjunction of atoms (never empty): a matching event satisfies at least one. */
export type IndexCondition = readonly IndexAtom[];

/** The strongest indexable necessary condition of a filter tree, or undefined when there is none. */
export function necessaryCondition(node: FilterNode): IndexCondition | undefined {
  switch (node.kind) {
    case "exact":
    case "prefix": {
      const op = node.kind;
      return best(
        node.entries
          .filter(([name]) => isIndexed(name))
          .map(([name, value]) => [atom(name as IndexedAttribute, op, value)]),
      );
    }
    case "all":
      return best(node.children.map(necessaryCondition));
    case "any":
      return union(node.children.map(necessaryCondition));
    case "sql":
      return sqlCondition(node.expression.ast);
    case "cdevents":
      return [atom("type", "prefix", cdeventsTypePrefix(node.dialect))];
    default:
      return undefined; // suffix, not
  }
}

function isIndexed(name: string): name is IndexedAttribute {
  return name === "type" || name === "source";
}

function atom(attribute: IndexedAttribute, op: "exact" | "prefix", value: string): IndexAtom {
  return { attribute, op, value };
}

/**
 * Conditions a CESQL expression implies, at its top: `type = 'x'` (either side), `type IN ('a', 'b')`,
 * `type LIKE 'x%…'` (the literal text before the first wildcard; a pattern without wildcards is an exact match),
 * the same on `source`, and AND / OR of those.
 */
function sqlCondition(node: Expression): IndexCondition | undefined {
  switch (node.kind) {
    case "logical": {
      const parts = node.operands.map(sqlCondition);
      return node.operator === "AND" ? best(parts) : union(parts);
    }
    case "binary": {
      if (node.operator !== "=") return undefined;
      const { left, right } = node;
      if (left.kind === "identifier" && right.kind === "literal") return equality(left.name, right.value);
      if (right.kind === "identifier" && left.kind === "literal") return equality(right.name, left.value);
      return undefined;
    }
    case "in": {
      const operand = node.operand;
      if (node.negated || operand.kind !== "identifier" || !isIndexed(operand.name)) return undefined;
      const name = operand.name;
      const values: string[] = [];
      for (const e of node.set) {
        if (e.kind !== "literal" || typeof e.value !== "string") return undefined;
        values.push(e.value);
      }
      return union(values.map((v) => [atom(name, "exact", v)]));
    }
    case "like": {
      const operand = node.operand;
      if (node.negated || operand.kind !== "identifier" || !isIndexed(operand.name)) return undefined;
      const { literal, wildcard } = likePrefix(node.pattern);
      if (!wildcard) return [atom(operand.name, "exact", literal)];
      return literal === "" ? undefined : [atom(operand.name, "prefix", literal)];
    }
    default:
      return undefined;
  }
}

function equality(name: string, value: unknown): IndexCondition | undefined {
  return isIndexed(name) && typeof value === "string" ? [atom(name, "exact", value)] : undefined;
}

/**
 * The literal start of a LIKE pattern, unescaped as `@cairn/cesql` reads it (`\%`, `\_`, `\\` are literal; a
 * backslash before anything else is itself), and whether a wildcard follows.
 */
export function likePrefix(pattern: string): { literal: string; wildcard: boolean } {
  let literal = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    const next = pattern[i + 1];
    if (c === "\\" && (next === "%" || next === "_" || next === "\\")) {
      literal += next;
      i++;
    } else if (c === "%" || c === "_") return { literal, wildcard: true };
    else literal += c;
  }
  return { literal, wildcard: false };
}

/** A disjunction of all the parts; undefined if any part has no condition (that branch could match anything). */
function union(parts: readonly (IndexCondition | undefined)[]): IndexCondition | undefined {
  const out: IndexAtom[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    if (p === undefined) return undefined;
    for (const a of p) {
      const key = `${a.attribute}\u0000${a.op}\u0000${a.value}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(a);
    }
  }
  return out.length === 0 ? undefined : out;
}

/** Of conjuncts' conditions (all necessary), the most selective one. */
function best(parts: readonly (IndexCondition | undefined)[]): IndexCondition | undefined {
  let chosen: IndexCondition | undefined;
  for (const p of parts) if (p !== undefined && (chosen === undefined || compare(p, chosen) > 0)) chosen = p;
  return chosen;
}

/**
 * Orders conditions by expected selectivity: all-exact beats any prefix; then fewer atoms; then a longer shortest
 * prefix; then `type` over `source` (sources are often shared by many event types).
 */
function compare(a: IndexCondition, b: IndexCondition): number {
  const exact = (c: IndexCondition) => (c.every((x) => x.op === "exact") ? 1 : 0);
  const shortest = (c: IndexCondition) =>
    Math.min(...c.map((x) => (x.op === "exact" ? Number.MAX_SAFE_INTEGER : x.value.length)));
  const types = (c: IndexCondition) => c.filter((x) => x.attribute === "type").length / c.length;
  return exact(a) - exact(b) || b.length - a.length || shortest(a) - shortest(b) || types(a) - types(b);
}
