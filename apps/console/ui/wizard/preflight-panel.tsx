"use client";
import { useState } from "react";
import { Button, Notice, useAction } from "../components";
import { api } from "../trpc";

type Results = Awaited<ReturnType<typeof api.wizard.runPreflight.mutate>>;

export function PreflightPanel(props: { onPassed: () => void }) {
  const [results, setResults] = useState<Results | null>(null);
  const run = useAction(async () => {
    const outcome = await api.wizard.runPreflight.mutate();
    setResults(outcome);
  });
  return (
    <div>
      {results ? (
        <table data-testid="preflight-results">
          <thead>
            <tr>
              <th>Check</th>
              <th>Result</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {results.results.map((r) => (
              <tr key={r.id}>
                <td>{r.title}</td>
                <td className={`status-${r.status}`}>{r.status}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>Checks CPUs, memory, disk, ports, PostgreSQL, the clock and the Docker engine.</p>
      )}
      {results?.blocked ? <Notice kind="error">A check failed: fix it and run the checks again.</Notice> : null}
      {results && !results.blocked ? (
        <Notice kind="ok">
          Nothing blocks the start{results.results.some((r) => r.status === "warn") ? " (see the warnings)" : ""}.
        </Notice>
      ) : null}
      {run.problem ? <Notice kind="error">{run.problem.message}</Notice> : null}
      <div className="actions">
        <Button
          busy={run.busy}
          onClick={() => void run.run()}
          testId="run-preflight"
          kind={results && !results.blocked ? "secondary" : "primary"}
        >
          {results ? "Run checks again" : "Run checks"}
        </Button>
        {results && !results.blocked ? (
          <Button onClick={props.onPassed} testId="preflight-continue">
            Continue
          </Button>
        ) : null}
      </div>
    </div>
  );
}
