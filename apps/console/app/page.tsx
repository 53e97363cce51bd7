"use client";
import Link from "next/link";
import { useCallback } from "react";
import { Notice, useLoad } from "../ui/components";
import { api } from "../ui/trpc";

export default function DashboardPage() {
  const { data, problem } = useLoad(
    useCallback(() => api.dashboard.summary.query(), []),
    5_000,
  );
  if (problem) return <Notice kind="error">{problem.message}</Notice>;
  if (!data) return <p>Loading…</p>;
  return (
    <>
      <h1>Dashboard</h1>
      {!data.wizard.started ? (
        <Notice kind="info">
          Citadel is not installed yet. <Link href="/wizard">Continue the install</Link>.
        </Notice>
      ) : null}
      {data.tls?.warning ? <Notice kind="warn">{data.tls.warning}</Notice> : null}
      {data.backup.latest?.status === "failed" ? (
        <Notice kind="error" testId="backup-failed">
          The last {data.backup.latest.trigger} backup failed: {data.backup.latest.error}.{" "}
          {data.backup.lastSucceededAt
            ? `Last good backup: ${new Date(data.backup.lastSucceededAt).toLocaleString()}.`
            : "No backup has succeeded yet."}{" "}
          <Link href="/backups">Backups</Link>
        </Notice>
      ) : null}
      {data.license && data.license.status !== "valid" ? <Notice kind="warn">{data.license.message}</Notice> : null}
      <div className="grid">
        <section className="panel">
          <h2>Services</h2>
          <dl className="kv">
            <dt>State</dt>
            <dd data-testid="dashboard-services">{data.services.state}</dd>
            <dt>Since</dt>
            <dd>{new Date(data.services.since).toLocaleString()}</dd>
            <dt>Restarts</dt>
            <dd>{data.services.restarts}</dd>
          </dl>
          {data.services.lastExit?.message ? <p className="hint">Last exit: {data.services.lastExit.message}</p> : null}
        </section>
        <section className="panel">
          <h2>License</h2>
          {data.license ? (
            <dl className="kv">
              <dt>Customer</dt>
              <dd>{data.license.customer ?? "—"}</dd>
              <dt>Days left</dt>
              <dd>{data.license.daysLeft ?? "perpetual"}</dd>
              <dt>Builders</dt>
              <dd>
                {data.fleet.builders} of {data.license.entitlements?.maxBuilders ?? "—"}
              </dd>
              <dt>Seats</dt>
              <dd>{data.license.entitlements?.maxUsers ?? "—"}</dd>
              <dt>Features</dt>
              <dd>{data.license.entitlements?.features.join(", ") || "none"}</dd>
            </dl>
          ) : (
            <p>No license yet.</p>
          )}
        </section>
        <section className="panel">
          <h2>TLS</h2>
          {data.tls ? (
            <dl className="kv">
              <dt>Names</dt>
              <dd>{data.tls.hostnames.join(", ")}</dd>
              <dt>Expires</dt>
              <dd>
                {new Date(data.tls.notAfter).toLocaleDateString()} ({data.tls.daysLeft} days)
              </dd>
              <dt>Kind</dt>
              <dd>{data.tls.selfSigned ? "self-signed (renews itself)" : "uploaded"}</dd>
            </dl>
          ) : (
            <p>No certificate yet.</p>
          )}
        </section>
        <section className="panel">
          <h2>Builder fleet</h2>
          <p>
            {data.fleet.online} of {data.fleet.builders} builders online, {data.fleet.slotsUsed}/{data.fleet.slotsTotal} job slots
            in use. <Link href="/fleet">Manage the fleet</Link>
          </p>
        </section>
      </div>
    </>
  );
}
