/**
 * The built-in functions: the string and math functions of spec §3.5 and the casting functions `INT`, `BOOL` and
 * `STRING` that the test kit exercises. They are pure, so the compiler folds calls with constant arguments.
 * @module
 */

import { parseBooleanText, parseIntegerText } from "./casts.ts";
import { describeValue } from "./context.ts";
import { type FunctionDefinition, type FunctionFailure, functionFailure } from "./function-types.ts";
import { characterLength, sliceCharacters, trimWhiteSpace } from "./strings.ts";
import { type CesqlValue, INT_MAX, INT_MIN } from "./types.ts";

type Args = readonly CesqlValue[];

const str = (args: Args, i: number): string => args[i] as string;
const int = (args: Args, i: number): number => args[i] as number;

/** `LEFT(x, y)`: the first `y` characters of `x`; `x` and an error when `y < 0`. */
function left(args: Args): string | FunctionFailure {
  const [x, y] = [str(args, 0), int(args, 1)];
  if (y < 0) return functionFailure(`the length ${y} is negative`, { value: x });
  return sliceCharacters(x, 0, y);
}

/** `RIGHT(x, y)`: the last `y` characters of `x`; `x` and an error when `y < 0`. */
function right(args: Args): string | FunctionFailure {
  const [x, y] = [str(args, 0), int(args, 1)];
  if (y < 0) return functionFailure(`the length ${y} is negative`, { value: x });
  const length = characterLength(x);
  return y >= length ? x : sliceCharacters(x, length - y);
}

/**
 * `SUBSTRING(x, pos[, len])`: from character `pos` (1-based; negative counts from the end; 0 gives ""), to the end
 * or for `len` characters. `""` and an error when `pos` is beyond either end or `len` is negative.
 */
function substring(args: Args): string | FunctionFailure {
  const [x, pos] = [str(args, 0), int(args, 1)];
  const len = args.length > 2 ? int(args, 2) : undefined;
  const length = characterLength(x);
  if (pos > length || pos < -length) {
    return functionFailure(`position ${pos} is outside a string of ${length} characters`);
  }
  if (len !== undefined && len < 0) return functionFailure(`the length ${len} is negative`);
  if (pos === 0) return "";
  const start = pos > 0 ? pos - 1 : length + pos;
  return sliceCharacters(x, start, len === undefined ? undefined : start + len);
}

/** `ABS(x)`; `ABS(-2147483648)` is 2147483647 and a math error (spec §3.5.2). */
function abs(args: Args): number | FunctionFailure {
  const x = int(args, 0);
  if (x === INT_MIN) return functionFailure("|-2147483648| overflows 32 bits", { kind: "math", value: INT_MAX });
  return Math.abs(x);
}

/** `INT(x)`: explicit cast to Integer. */
function castInt(args: Args): number | FunctionFailure {
  const x = args[0] as CesqlValue;
  if (typeof x === "number") return x;
  if (typeof x === "boolean") return x ? 1 : 0;
  return parseIntegerText(x) ?? functionFailure(`cannot cast ${describeValue(x)} to Integer`, { kind: "cast" });
}

/** `BOOL(x)`: explicit cast to Boolean; an Integer is true when not 0 (spec §3.7). */
function castBool(args: Args): boolean | FunctionFailure {
  const x = args[0] as CesqlValue;
  if (typeof x === "boolean") return x;
  if (typeof x === "number") return x !== 0;
  return parseBooleanText(x) ?? functionFailure(`cannot cast ${describeValue(x)} to Boolean`, { kind: "cast" });
}

/** The built-in functions, in the order of the spec's tables. */
export const BUILTIN_FUNCTIONS: readonly FunctionDefinition[] = [
  { name: "LENGTH", parameters: ["string"], returns: "integer", call: (a) => characterLength(str(a, 0)) },
  { name: "CONCAT", parameters: [], variadic: "string", returns: "string", call: (a) => a.join("") },
  {
    name: "CONCAT_WS",
    parameters: ["string"],
    variadic: "string",
    returns: "string",
    call: (a) => a.slice(1).join(str(a, 0)),
  },
  { name: "LOWER", parameters: ["string"], returns: "string", call: (a) => str(a, 0).toLowerCase() },
  { name: "UPPER", parameters: ["string"], returns: "string", call: (a) => str(a, 0).toUpperCase() },
  { name: "TRIM", parameters: ["string"], returns: "string", call: (a) => trimWhiteSpace(str(a, 0)) },
  { name: "LEFT", parameters: ["string", "integer"], returns: "string", call: left },
  { name: "RIGHT", parameters: ["string", "integer"], returns: "string", call: right },
  { name: "SUBSTRING", parameters: ["string", "integer"], returns: "string", call: substring },
  { name: "SUBSTRING", parameters: ["string", "integer", "integer"], returns: "string", call: substring },
  { name: "ABS", parameters: ["integer"], returns: "integer", call: abs },
  { name: "INT", parameters: ["any"], returns: "integer", call: castInt },
  { name: "BOOL", parameters: ["any"], returns: "boolean", call: castBool },
  { name: "STRING", parameters: ["any"], returns: "string", call: (a) => String(a[0]) },
];
