"use client";
import { useCallback, useState } from "react";
import { Button, Field, Notice, useLoad } from "../../ui/components";
import { api } from "../../ui/trpc";

export default function AuditPage() {
  const [action, setAction] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [beforeId, setBeforeId] = useState<number | undefined>(undefined);
  const filter = {
    action: action || undefined,
    since: since ? new Date(since) : undefined,
    until: until ? new Date(`${until}T23:59:59`) : undefined,
  };
  const key = JSON.stringify({ ...filter, beforeId });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the serialized filter is the dependency
  const load = useCallback(() => api.audit.list.query({ ...filter, beforeId, limit: 50 }), [key]);
  const { data, problem } = useLoad(load);
  const csv = new URLSearchParams(
    Object.entries({ action, since, until: until ? `${until}T23:59:59` : "" }).filter(([, v]) => v),
  );
  return (
    <>
      <h1>Audit log</h1>
      <p className="hint">
        Append-only and hash-chained: <span className="mono">npx citadel audit verify</span> checks every link.
      </p>
      <div className="panel filters">
        <Field id="filter-action" label="Action">
          <input
            id="filter-action"
            placeholder="e.g. login.failed"
            value={action}
            onChange={(e) => {
              setAction(e.target.value);
              setBeforeId(undefined);
            }}
          />
        </Field>
        <Field id="filter-since" label="From">
          <input
            id="filter-since"
            type="date"
            value={since}
            onChange={(e) => {
              setSince(e.target.value);
              setBeforeId(undefined);
            }}
          />
        </Field>
        <Field id="filter-until" label="To">
          <input
            id="filter-until"
            type="date"
            value={until}
            onChange={(e) => {
              setUntil(e.target.value);
              setBeforeId(undefined);
            }}
          />
        </Field>
        <a className="btn secondary" href={`/api/audit.csv?${csv.toString()}`} download>
          Export CSV
        </a>
      </div>
      {problem ? <Notice kind="error">{problem.message}</Notice> : null}
      <table data-testid="audit-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Details</th>
            <th>IP</th>
          </tr>
        </thead>
        <tbody>
          {data?.rows.map((row) => (
            <tr key={row.id}>
              <td>{new Date(row.at).toLocaleString()}</td>
              <td>{row.actor}</td>
              <td>{row.action}</td>
              <td className="mono">{Object.keys(row.details).length ? JSON.stringify(row.details) : ""}</td>
              <td>{row.ip ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        {beforeId ? (
          <Button kind="secondary" onClick={() => setBeforeId(undefined)}>
            Newest
          </Button>
        ) : null}
        {data?.nextBeforeId ? (
          <Button kind="secondary" onClick={() => setBeforeId(data.nextBeforeId ?? undefined)}>
            Older
          </Button>
        ) : null}
      </div>
    </>
  );
}
