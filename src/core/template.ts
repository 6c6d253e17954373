// Strict {{variable}} rendering, shared by prompt files and newsletter layouts.
// One pass over the template: a value is inserted as it is and never read as template syntax,
// so an article that contains "{{title}}" renders literally.

import { TemplateError } from "./errors.ts";

export { TemplateError } from "./errors.ts";

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

/** The variable names a template refers to, in order of first use. */
export function templateVariables(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(VARIABLE)) names.add(match[1]!);
  return [...names];
}

/**
 * Replaces every {{name}} with vars[name]. A name that is not in vars is an error that names
 * the template (`where`) and the variables it does know.
 */
export function renderTemplate(text: string, vars: Record<string, string>, where: string): string {
  return text.replace(VARIABLE, (_whole, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      const known = Object.keys(vars).sort().join(", ") || "none";
      throw new TemplateError(`${where}: unknown variable {{${name}}} (known: ${known})`);
    }
    return value;
  });
}
