/**
 * The builder's image alias map: real configs name registry images (`cimg/base:2024.01`) that this
 * offline engine does not have; the map points them at images loaded locally. Keys are exact names or
 * globs where `*` matches any run of characters (`cimg/base:*`). Exact keys win; otherwise the first
 * matching glob in the map's order.
 */
export type ImageAliases = Readonly<Record<string, string>>;

export interface ResolvedImage {
  /** As written in the job's config. */
  readonly requested: string;
  /** What the engine is asked for. */
  readonly image: string;
  /** The alias key that matched, if any. */
  readonly alias?: string;
}

export function resolveImage(requested: string, aliases: ImageAliases = {}): ResolvedImage {
  const exact = aliases[requested];
  if (exact !== undefined) return { requested, image: exact, alias: requested };
  for (const [pattern, image] of Object.entries(aliases)) {
    if (pattern.includes("*") && globToRegExp(pattern).test(requested)) return { requested, image, alias: pattern };
  }
  return { requested, image: requested };
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}
