"use client";
import { useCallback, useState } from "react";
import { Button, Notice, useAction, useLoad } from "../../ui/components";
import { api } from "../../ui/trpc";

type Overview = Awaited<ReturnType<typeof api.fleet.overview.query>>;
type Builder = Overview["builders"][number];

export default function FleetPage() {
  const fleet = useLoad(
    useCallback(() => api.fleet.overview.query(), []),
    5000,
  );
  if (!fleet.data) return fleet.problem ? <Notice kind="error">{fleet.problem.message}</Notice> : <p>Loading…</p>;
  const { builders, totals } = fleet.data;
  return (
    <>
      <h1>Builders</h1>
      <p className="hint">
        Builder boxes run every job in a fresh container. {totals.online} of {totals.builders} online, {totals.slotsUsed}/
        {totals.slotsTotal} job slots in use.
      </p>
      <section className="panel">
        <h2>Fleet</h2>
        {builders.length === 0 ? (
          <p>No builder has joined yet: add one below.</p>
        ) : (
          <table data-testid="fleet-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Host</th>
                <th>Runtime</th>
                <th>Slots</th>
                <th>State</th>
                <th>Version</th>
                <th>Last heartbeat</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {builders.map((builder) => (
                <BuilderRow key={builder.id} builder={builder} onChanged={() => void fleet.refresh()} />
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel">
        <h2>Add a builder box</h2>
        <AddBuilder />
      </section>
    </>
  );
}

function BuilderRow(props: { builder: Builder; onChanged: () => void }) {
  const { builder } = props;
  const drain = useAction(() => api.fleet.drain.mutate({ builderId: builder.id }));
  const remove = useAction(() => api.fleet.remove.mutate({ builderId: builder.id }));
  const state = builder.state === "active" && builder.drainPending ? "draining (asked)" : builder.state;
  const statusClass = builder.state === "active" ? "status-pass" : builder.state === "draining" ? "status-warn" : "status-fail";
  return (
    <tr data-testid={`builder-${builder.name}`}>
      <td>{builder.name}</td>
      <td className="mono">{builder.host}</td>
      <td>{builder.runtime}</td>
      <td>
        {builder.slotsUsed}/{builder.slotsTotal}
      </td>
      <td className={statusClass} data-testid="builder-state">
        {state}
      </td>
      <td>{builder.version}</td>
      <td>{builder.lastHeartbeatAt ? new Date(builder.lastHeartbeatAt).toLocaleString() : "never"}</td>
      <td>
        {builder.state === "offline" ? (
          <Button
            kind="danger"
            busy={remove.busy}
            onClick={async () => {
              await remove.run();
              props.onChanged();
            }}
          >
            Remove
          </Button>
        ) : (
          <Button
            kind="secondary"
            busy={drain.busy}
            disabled={builder.state === "draining" || builder.drainPending}
            testId={`drain-${builder.name}`}
            onClick={async () => {
              await drain.run();
              props.onChanged();
            }}
          >
            Drain
          </Button>
        )}
        {drain.problem || remove.problem ? (
          <span className="error" role="alert">
            {(drain.problem ?? remove.problem)?.message}
          </span>
        ) : null}
      </td>
    </tr>
  );
}

function AddBuilder() {
  const [created, setCreated] = useState<{ command: string; expiresAt: string } | null>(null);
  const add = useAction(() => api.fleet.addCommand.mutate());
  return (
    <>
      <p className="hint">
        On the new box (Node 20 and a Docker engine), from a Citadel checkout, run the command below. The join token in it works
        once and expires in an hour; the builder pins this appliance&apos;s certificate from it.
      </p>
      <Button
        busy={add.busy}
        testId="add-builder"
        onClick={async () => {
          const result = await add.run();
          if (result) setCreated(result);
        }}
      >
        Create a join command
      </Button>
      {add.problem ? <Notice kind="error">{add.problem.message}</Notice> : null}
      {created ? (
        <>
          <pre className="mono" data-testid="join-command">
            {created.command}
          </pre>
          <p className="hint">Expires {new Date(created.expiresAt).toLocaleString()}.</p>
        </>
      ) : null}
    </>
  );
}
