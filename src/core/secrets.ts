// The API key must never reach a log, an error, a report, the cache or an output file. Servers
// echo it back in odd shapes (a quoted .env value with spaces, the Authorization header in
// base64, upper-cased), so every shape the client could send or a server could echo is scrubbed.

const registered = new Set<string>();
let matcher: RegExp | null = null;

/** Adds a secret (as configured, untrimmed) to what `redactSecrets` and `containsSecret` look for. */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  for (const form of [value, value.trim()]) {
    if (form.length >= 8 && !registered.has(form)) {
      registered.add(form);
      matcher = null;
    }
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The base64 of `secret` as it appears inside any longer base64 text (three alignments). */
function base64Forms(secret: string): string[] {
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.from("\0".repeat(shift) + secret).toString("base64").replace(/=+$/, "");
    // Characters that mix in bytes before or after the secret differ by context: drop them.
    const start = Math.ceil((shift * 4) / 3);
    const end = Math.floor(((shift + Buffer.byteLength(secret)) * 4) / 3);
    const core = encoded.slice(start, end);
    if (core.length >= 8) forms.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return forms;
}

function buildMatcher(): RegExp | null {
  const alternatives: string[] = [];
  for (const secret of registered) {
    // The secret itself, in any case, with white space or separators slipped between its characters.
    alternatives.push([...secret].map(escapeRegExp).join("[\\s\\u200b]{0,3}"));
    for (const form of base64Forms(secret)) alternatives.push(escapeRegExp(form));
  }
  if (alternatives.length === 0) return null;
  alternatives.sort((a, b) => b.length - a.length);
  return new RegExp(alternatives.join("|"), "gi");
}

function currentMatcher(): RegExp | null {
  registerSecret(process.env.OPENAI_API_KEY);
  matcher ??= buildMatcher();
  return matcher;
}

/** True when `text` holds a registered secret in any of its shapes. */
export function containsSecret(text: string): boolean {
  const re = currentMatcher();
  if (!re) return false;
  re.lastIndex = 0;
  return re.test(text);
}

/** Removes the API key (in every shape, and anything shaped like an OpenAI key) from text that may be shown or stored. */
export function redactSecrets(text: string, extra: (string | undefined)[] = []): string {
  for (const secret of extra) registerSecret(secret);
  const re = currentMatcher();
  const out = re ? text.replace(re, "[redacted]") : text;
  return out.replace(/\bsk-[A-Za-z0-9_*-]{6,}/g, "[redacted]");
}
