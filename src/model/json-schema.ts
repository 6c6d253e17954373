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
