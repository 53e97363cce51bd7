import type { Manifest } from "@citadel/backup";

/** The manifest kept in the backups table: versions and per-table row counts, not every object file. */
export function manifestSummary(manifest: Manifest): Record<string, unknown> {
  const { entries, ...rest } = manifest;
  const tables = entries.filter((e) => e.kind === "table");
  return { ...rest, tables: Object.fromEntries(tables.map((e) => [e.name, e.rows ?? 0])), files: entries.length - tables.length };
}
