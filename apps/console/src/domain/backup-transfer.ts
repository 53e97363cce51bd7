import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { backups } from "@citadel/db/schema";
import { eq } from "drizzle-orm";
import type { AppContext } from "../app-context";
import { backupService } from "./backup-service";

/** Uploaded archives are named by us: only this shape may be passed back for a restore. */
export const UPLOAD_NAME = /^[a-f0-9]{24}\.citadel-backup$/;
const MAX_UPLOAD_BYTES = 64 * 1024 ** 3;

type Reply = (status: number, body: Record<string, unknown>) => void;

/**
 * Admin-only archive transfer (the caller checked the session): GET /api/backups/download?id=
 * streams a finished backup; POST /api/backups/upload streams the body into the uploads dir
 * and answers with the name to restore from.
 */
export async function handleBackupTransfer(
  app: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  reply: Reply,
): Promise<void> {
  if (url.pathname === "/api/backups/download" && req.method === "GET") {
    const id = url.searchParams.get("id") ?? "";
    if (!/^[0-9a-f-]{36}$/.test(id)) return reply(400, { message: "Which backup? (id)" });
    const [row] = await app.db.select().from(backups).where(eq(backups.id, id));
    if (row?.status !== "succeeded") return reply(404, { message: "No finished backup with that id." });
    const size = await stat(row.file)
      .then((s) => s.size)
      .catch(() => null);
    if (size === null) return reply(410, { message: "The archive file is gone (moved or pruned by retention)." });
    res.writeHead(200, {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(size),
      "Content-Disposition": `attachment; filename="${basename(row.file).replaceAll('"', "")}"`,
      "Cache-Control": "no-store",
    });
    return pipeline(createReadStream(row.file), res);
  }
  if (url.pathname === "/api/backups/upload" && req.method === "POST") {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > MAX_UPLOAD_BYTES)
      return reply(413, { message: "The archive is larger than uploads allow; use citadel backup restore." });
    const dir = backupService(app).uploadsDir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const name = `${randomBytes(12).toString("hex")}.citadel-backup`;
    const file = join(dir, name);
    try {
      await pipeline(req, createWriteStream(file, { mode: 0o600 }));
    } catch (error) {
      await rm(file, { force: true });
      app.logger.warn({ reason: (error as Error).message }, "backup upload failed");
      return reply(400, { message: "The upload did not complete." });
    }
    return reply(200, { upload: name, sizeBytes: (await stat(file)).size });
  }
  return reply(404, { message: "Not found" });
}
