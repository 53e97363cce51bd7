import type { DbOrTx } from "@citadel/db";
import { caches, jobs } from "@citadel/db/schema";
import { and, desc, eq, sql } from "drizzle-orm";

export interface CacheMatch {
  key: string;
  objectKey: string;
  size: number;
  savedByJob: number | null;
}

/**
 * The cache restore_cache takes, as CircleCI picks it: keys in order, each matching the newest cache
 * whose key starts with it (so an exact key is a match too, and a shorter prefix is a fallback).
 */
export async function findCache(db: DbOrTx, projectId: string, keys: string[], exact: boolean): Promise<CacheMatch | null> {
  for (const key of keys) {
    const [row] = await db
      .select({ key: caches.key, objectKey: caches.objectKey, size: caches.size, savedByJob: jobs.number })
      .from(caches)
      .leftJoin(jobs, eq(jobs.id, caches.jobId))
      .where(and(eq(caches.projectId, projectId), exact ? eq(caches.key, key) : sql`starts_with(${caches.key}, ${key})`))
      .orderBy(desc(caches.createdAt))
      .limit(1);
    if (row) return row;
  }
  return null;
}

/** Records a saved cache; false when another job saved the same key first (caches are immutable). */
export async function recordCache(
  db: DbOrTx,
  row: { projectId: string; jobId: string; key: string; objectKey: string; size: number; sha256: string },
): Promise<boolean> {
  const inserted = await db.insert(caches).values(row).onConflictDoNothing().returning({ id: caches.id });
  return inserted.length > 0;
}
