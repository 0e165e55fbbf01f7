/**
 * JSON schemas for constrained replies (`--schema`, `response_format`): telling inline JSON from a
 * file path, and checking that a value is a schema before any model is loaded, so a typo such as
 * `{"type":"objec"}` is refused with its place named instead of producing `null`.
 */
import { UsageError } from "../errors.js";
import { parseJsonText } from "./json-parse.js";
import { closestWord } from "./setting-names.js";

/** The `type` names of JSON Schema. */
export const SCHEMA_TYPES: readonly string[] = ["string", "number", "integer", "boolean", "object", "array", "null"];

/** Other languages' names for the same types. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  str: "string",
  text: "string",
  int: "integer",
  long: "integer",
  float: "number",
  double: "number",
  decimal: "number",
  bool: "boolean",
  dict: "object",
  map: "object",
  record: "object",
  list: "array",
  tuple: "array",
  none: "null",
  nil: "null",
};

/** Keywords that make an object a schema rather than an example value. */
const SCHEMA_KEYWORDS = new Set([
  "type",
  "properties",
  "items",
  "prefixItems",
  "required",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "$ref",
  "$defs",
  "definitions",
  "$schema",
  "additionalProperties",
  "patternProperties",
  "format",
  "pattern",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "description",
  "title",
]);

const SUBSCHEMA_MAPS = ["properties", "$defs", "definitions", "patternProperties"] as const;
const SUBSCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
const NUMBER_KEYWORDS = ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"] as const;

/**
 * Whether a `--schema` argument is the JSON itself rather than a file's path: it starts with `{`,
 * `[` or `"`, or is a JSON number, `true`, `false` or `null`. (A file whose name starts with `{`
 * or `[` is given as `./[name].json`.)
 */
export function isInlineJson(source: string): boolean {
  const text = source.trim();
  return /^[{["]/.test(text) || /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/.test(text);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a text";
  return `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The place of a value inside the schema, for messages: "the top", "/properties/name". */
function place(pointer: string): string {
  return pointer === "" ? "the top" : pointer;
}

function suggestType(name: string): string {
  const lower = name.toLowerCase();
  const close = TYPE_ALIASES[lower] ?? closestWord(lower, SCHEMA_TYPES);
  return close !== undefined ? `; did you mean "${close}"?` : "";
}

function checkType(type: unknown, pointer: string, where: string): void {
  const names = Array.isArray(type) ? type : [type];
  if (names.length === 0) throw new UsageError(`${where}: "type" at ${place(pointer)} is an empty list`);
  for (const name of names) {
    if (typeof name !== "string") {
      throw new UsageError(`${where}: "type" at ${place(pointer)} must be a type name, not ${kindOf(name)}`);
    }
    if (!SCHEMA_TYPES.includes(name)) {
      throw new UsageError(
        `${where}: unknown type "${name}" at ${place(pointer)}${suggestType(name)} (JSON schema types: ${SCHEMA_TYPES.join(", ")})`,
      );
    }
  }
}

function checkNode(node: unknown, pointer: string, where: string): void {
  // `true` and `false` are schemas too (anything, nothing) below the top.
  if (typeof node === "boolean") return;
  if (!isRecord(node)) {
    throw new UsageError(`${where}: the schema at ${place(pointer)} must be an object, not ${kindOf(node)}`);
  }
  if (node.type !== undefined) checkType(node.type, pointer, where);
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (map === undefined) continue;
    if (!isRecord(map)) throw new UsageError(`${where}: "${key}" at ${place(pointer)} must be an object of schemas`);
    for (const [name, sub] of Object.entries(map)) checkNode(sub, `${pointer}/${key}/${name}`, where);
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = node[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) {
      throw new UsageError(`${where}: "${key}" at ${place(pointer)} must be a non-empty list of schemas`);
    }
    list.forEach((sub, i) => checkNode(sub, `${pointer}/${key}/${i}`, where));
  }
  if (Array.isArray(node.items)) node.items.forEach((sub, i) => checkNode(sub, `${pointer}/items/${i}`, where));
  else if (node.items !== undefined) checkNode(node.items, `${pointer}/items`, where);
  if (node.additionalProperties !== undefined)
    checkNode(node.additionalProperties, `${pointer}/additionalProperties`, where);
  if (node.not !== undefined) checkNode(node.not, `${pointer}/not`, where);
  if (
    node.required !== undefined &&
    !(Array.isArray(node.required) && node.required.every((r) => typeof r === "string"))
  ) {
    throw new UsageError(`${where}: "required" at ${place(pointer)} must be a list of property names`);
  }
  if (node.enum !== undefined && !(Array.isArray(node.enum) && node.enum.length > 0)) {
    throw new UsageError(`${where}: "enum" at ${place(pointer)} must be a non-empty list of values`);
  }
  for (const key of NUMBER_KEYWORDS) {
    if (node[key] !== undefined && typeof node[key] !== "number") {
      throw new UsageError(`${where}: "${key}" at ${place(pointer)} must be a number, not ${kindOf(node[key])}`);
    }
  }
}

/**
 * Checks that `value` is a JSON schema object parley can constrain a reply with, and returns it.
 * Refused, with the problem named: a value that is not an object (`[1,2]`, `"x"`), a
 * `response_format` or named-schema wrapper given instead of the schema inside it, an object with
 * no schema keyword (an example value rather than a schema), an unknown `type` name anywhere, and
 * malformed `properties`, `items`, `required`, `enum`, `anyOf`... `where` names the source.
 */
export function checkJsonSchema(value: unknown, where = "--schema"): Record<string, unknown> {
  if (!isRecord(value)) {
    throw new UsageError(`${where} must be a JSON schema object such as {"type": "object", ...}, not ${kindOf(value)}`);
  }
  if (value.type === "json_schema" && isRecord(value.json_schema)) {
    throw new UsageError(`${where} is a response_format; give the schema inside it (its "json_schema"."schema")`);
  }
  const keys = Object.keys(value);
  if (keys.length > 0 && !keys.some((k) => SCHEMA_KEYWORDS.has(k))) {
    if (isRecord(value.schema)) {
      throw new UsageError(`${where} wraps a schema; give the schema itself (the value of its "schema")`);
    }
    throw new UsageError(
      `${where} does not look like a JSON schema: none of its keys (${keys.slice(0, 5).join(", ")}) is a schema keyword such as type, properties, items or enum`,
    );
  }
  checkNode(value, "", where);
  return value;
}

/**
 * The schema a `--schema` argument names: the JSON itself when `isInlineJson`, else the text
 * `readFile` returns for the path (it throws, in words, when the file cannot be read); parsed and
 * checked with `checkJsonSchema`.
 */
export function parseSchemaArgument(source: string, readFile: (path: string) => string): Record<string, unknown> {
  const inline = isInlineJson(source);
  const where = inline ? "--schema" : `schema file ${source}`;
  const text = inline ? source : readFile(source);
  return checkJsonSchema(parseJsonText(text, where), where);
}
