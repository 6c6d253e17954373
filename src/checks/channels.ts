// Channel texts (--channels push,social,seo): which fields a channel asks for, their limits, and
// the check that holds every field to its limit. Lengths are counted in characters (Unicode code
// points, as the teaser is) of the text as it is published, i.e. after the house-style fixes.
import type { Channel, ChannelTexts } from "../core/types.ts";
import { applyHouseStyle } from "./style.ts";
import type { Finding } from "./types.ts";

export type ChannelField = keyof ChannelTexts;

/** The fields each channel adds to a language's digest, in the order they are asked and shown. */
export const CHANNEL_FIELDS: Record<Channel, ChannelField[]> = {
  push: ["push"],
  social: ["social"],
  seo: ["seoTitle", "seoDescription"],
};

/** Characters each field may have. */
export const CHANNEL_LIMITS: Record<ChannelField, number> = { push: 110, social: 280, seoTitle: 60, seoDescription: 155 };

/** What a field is called in messages. */
export const CHANNEL_FIELD_NAMES: Record<ChannelField, string> = {
  push: "the push alert",
  social: "the social post",
  seoTitle: "the SEO title",
  seoDescription: "the SEO description",
};

/** Fields that must stay on one line (a social post may have a line break). */
export const ONE_LINE_CHANNEL_FIELDS: ReadonlySet<ChannelField> = new Set(["push", "seoTitle", "seoDescription"]);

/** The asked channels in their canonical order, each once: ["seo", "push"] -> ["push", "seo"]. */
export function normaliseChannels(channels: readonly Channel[] | undefined): Channel[] {
  const asked = new Set(channels ?? []);
  for (const c of asked) if (!Object.hasOwn(CHANNEL_FIELDS, c)) throw new RangeError(`unknown channel "${String(c)}" (known: ${Object.keys(CHANNEL_FIELDS).join(", ")})`);
  return (Object.keys(CHANNEL_FIELDS) as Channel[]).filter((c) => asked.has(c));
}

/** The fields the asked channels add, in order. */
export function channelFields(channels: readonly Channel[]): ChannelField[] {
  return normaliseChannels(channels).flatMap((c) => CHANNEL_FIELDS[c]);
}

/** Characters as counted for a limit: code points of the published (house-styled) text. */
export function channelLength(text: string, target: string): number {
  return [...applyHouseStyle(text.trim(), target)].length;
}

/**
 * A soft finding per field over its limit (which field, its length, by how much) or running over
 * several lines. Soft: it gets one repair; a text still too long stays, with a warning.
 */
export function checkChannels(texts: ChannelTexts, target: string): Finding[] {
  const findings: Finding[] = [];
  for (const field of Object.keys(CHANNEL_LIMITS) as ChannelField[]) {
    const text = texts[field];
    if (text === undefined) continue;
    const name = CHANNEL_FIELD_NAMES[field];
    const limit = CHANNEL_LIMITS[field];
    const length = channelLength(text, target);
    if (length > limit) {
      findings.push({ check: "channels", severity: "soft", message: `${name} (${field}) has ${length} characters, ${length - limit} over the limit of ${limit}` });
    }
    if (ONE_LINE_CHANNEL_FIELDS.has(field) && /[\r\n]/.test(text.trim())) {
      findings.push({ check: "channels", severity: "soft", message: `${name} (${field}) runs over several lines; it must be one line` });
    }
  }
  return findings;
}
