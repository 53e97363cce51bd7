"use client";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "../src/trpc/router";
import { Notice } from "./components";

export type BackupStatus = inferRouterOutputs<AppRouter>["backups"]["status"];

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** The running (or last) backup or restore: a progress bar over tables, plus bytes so far. */
export function BackupActivity(props: { activity: BackupStatus["activity"] }) {
  const a = props.activity;
  if (!a) return null;
  const what = a.kind === "create" ? "Backup" : "Restore";
  if (a.finishedAt) {
    return a.error ? (
      <Notice kind="error" testId="backup-activity">
        {what} failed: {a.error}
      </Notice>
    ) : (
      <Notice kind="ok" testId="backup-activity">
        {what} finished ({formatBytes(a.bytes)}).
      </Notice>
    );
  }
  const tables = a.tablesTotal > 0 ? `${a.tablesDone} of ${a.tablesTotal} tables, ` : "";
  return (
    <div className="panel" data-testid="backup-activity">
      <p>
        {what} running — {a.phase}: {tables}
        {formatBytes(a.bytes)}
      </p>
      {a.tablesTotal > 0 && a.phase === "tables" ? (
        <progress max={a.tablesTotal} value={a.tablesDone} aria-label={`${what} progress`} />
      ) : (
        <progress aria-label={`${what} progress`} />
      )}
    </div>
  );
}

export function BackupList(props: { backups: BackupStatus["backups"] }) {
  if (props.backups.length === 0) return <p className="hint">No backups yet.</p>;
  return (
    <table data-testid="backup-table">
      <thead>
        <tr>
          <th>Started</th>
          <th>Trigger</th>
          <th>Status</th>
          <th>Size</th>
          <th>File</th>
        </tr>
      </thead>
      <tbody>
        {props.backups.map((b) => (
          <tr key={b.id}>
            <td>{new Date(b.startedAt).toLocaleString()}</td>
            <td>{b.trigger}</td>
            <td
              className={b.status === "failed" ? "status-fail" : b.status === "succeeded" ? "status-pass" : "status-warn"}
              title={b.error ?? undefined}
            >
              {b.status}
              {b.error ? `: ${b.error}` : ""}
            </td>
            <td>{formatBytes(b.sizeBytes)}</td>
            <td className="mono">
              {b.status === "succeeded" ? (
                <a href={`/api/backups/download?id=${b.id}`} download>
                  {b.file.split("/").at(-1)}
                </a>
              ) : (
                b.file.split("/").at(-1)
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
