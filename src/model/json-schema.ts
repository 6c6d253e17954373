// The JSON schema of a zod schema, provider-neutral and made once per schema: what cache keys
// hash, what a plan counts, and what a provider without structured output reads in the prompt.
import { z } from "zod";

const made = new WeakMap<z.ZodType, object>();

export function jsonSchemaOf(schema: z.ZodType): object {
  let json = made.get(schema);
  if (!json) {
    const { $schema: _drop, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
    made.set(schema, (json = rest));
  }
  return json;
}

const wire = new WeakMap<z.ZodType, object>();

/**
 * The JSON schema sent as a strict response format: the same shape as `jsonSchemaOf`, in fewer
 * tokens (a provider bills the schema as part of every prompt). Left out: `$schema`, and string
 * `minLength` (zod still checks every answer, and a repair names what is empty). A subschema that
 * occurs more than once (a digest's part per language) is sent once, under `$defs`, and referred to.
 * Array bounds stay: they keep the model within them while it writes. Not for cache keys (those
 * hash `jsonSchemaOf`, so this form can change without emptying any cache).
 */
export function wireSchemaOf(schema: z.ZodType): object {
  let json = wire.get(schema);
  if (!json) wire.set(schema, (json = compact(structuredClone(jsonSchemaOf(schema)) as JsonObject)));
  return json;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => !!value && typeof value === "object" && !Array.isArray(value);

function compact(root: JsonObject): JsonObject {
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(strip);
    if (!isObject(node)) return;
    if (node.type === "string") delete node.minLength;
    for (const value of Object.values(node)) strip(value);
  };
  strip(root);
  // Object subschemas by their text; those met twice or more (and worth a reference) move to $defs.
  const seen = new Map<string, number>();
  const count = (node: unknown, top: boolean): void => {
    if (Array.isArray(node)) return node.forEach((n) => count(n, false));
    if (!isObject(node)) return;
    if (!top && node.type === "object") {
      const text = JSON.stringify(node);
      seen.set(text, (seen.get(text) ?? 0) + 1);
    }
    for (const value of Object.values(node)) count(value, false);
  };
  count(root, true);
  const defs: JsonObject = {};
  const names = new Map<string, string>();
  for (const [text, n] of seen) if (n > 1 && text.length > 40) names.set(text, String.fromCharCode(97 + names.size));
  if (!names.size) return root;
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (!isObject(node)) return node;
    const name = node.type === "object" ? names.get(JSON.stringify(node)) : undefined;
    if (name) {
      if (!(name in defs)) defs[name] = node;
      return { $ref: `#/$defs/${name}` };
    }
    for (const [key, value] of Object.entries(node)) node[key] = replace(value);
    return node;
  };
  for (const [key, value] of Object.entries(root)) root[key] = replace(value);
  return { ...root, $defs: defs };
}
