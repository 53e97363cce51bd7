"use client";
import { useCallback, useEffect, useState } from "react";
import { Button, Notice, useAction, useLoad } from "../../ui/components";
import { api } from "../../ui/trpc";
import { HostnameForm } from "../../ui/wizard/hostname-form";
import { LicenseForm } from "../../ui/wizard/license-form";
import { PreflightPanel } from "../../ui/wizard/preflight-panel";
import { SourceControlForm } from "../../ui/wizard/source-control-form";
import { TlsForm } from "../../ui/wizard/tls-form";

const STEPS = [
  ["hostname", "Hostname"],
  ["tls", "TLS certificate"],
  ["license", "License"],
  ["sourceControl", "Source control"],
  ["preflight", "Preflight checks"],
  ["review", "Review and start"],
] as const;
type StepId = (typeof STEPS)[number][0];

export default function WizardPage() {
  const state = useLoad(useCallback(() => api.wizard.state.query(), []));
  const summary = useLoad(useCallback(() => api.dashboard.summary.query(), []));
  const [step, setStep] = useState<StepId | null>(null);
  useEffect(() => {
    if (state.data && step === null) setStep(state.data.next as StepId);
  }, [state.data, step]);
  const advance = async () => {
    const fresh = await api.wizard.state.query();
    await Promise.all([state.refresh(), summary.refresh()]);
    setStep(fresh.next as StepId);
  };
  const start = useAction(async () => {
    await api.wizard.start.mutate();
    await summary.refresh();
  });
  if (!state.data || !step) return <p>Loading…</p>;
  const completed = new Set<string>(state.data.completed);
  const hostname = summary.data?.hostname ?? "";
  return (
    <>
      <h1>Install Citadel</h1>
      <ol className="steps" aria-label="Install steps">
        {STEPS.map(([id, label]) => (
          <li key={id} className={id === step ? "current" : completed.has(id) ? "done" : ""}>
            <button type="button" onClick={() => setStep(id)} aria-current={id === step ? "step" : undefined}>
              {completed.has(id) ? "✓ " : ""}
              {label}
            </button>
          </li>
        ))}
      </ol>
      <section className="panel" aria-labelledby="step-title">
        <h2 id="step-title">{STEPS.find(([id]) => id === step)?.[1]}</h2>
        {step === "hostname" ? <HostnameForm initial={hostname} onSaved={() => void advance()} /> : null}
        {step === "tls" ? <TlsForm onSaved={() => void advance()} /> : null}
        {step === "license" ? <LicenseForm onSaved={() => void advance()} /> : null}
        {step === "sourceControl" ? <SourceControlForm hostname={hostname || "HOST"} onSaved={() => void advance()} /> : null}
        {step === "preflight" ? <PreflightPanel onPassed={() => void advance()} /> : null}
        {step === "review" ? (
          <div>
            <dl className="kv">
              <dt>Hostname</dt>
              <dd>{hostname || "—"}</dd>
              <dt>TLS</dt>
              <dd>
                {summary.data?.tls
                  ? `${summary.data.tls.hostnames.join(", ")} until ${new Date(summary.data.tls.notAfter).toLocaleDateString()}`
                  : "—"}
              </dd>
              <dt>License</dt>
              <dd>{summary.data?.license ? `${summary.data.license.customer ?? ""} (${summary.data.license.message})` : "—"}</dd>
              <dt>Services</dt>
              <dd data-testid="services-state">{summary.data?.services.state ?? "—"}</dd>
            </dl>
            {start.problem ? <Notice kind="error">{start.problem.message}</Notice> : null}
            {summary.data?.services.state === "running" ? (
              <Notice kind="ok" testId="services-running">
                Services running. Users can reach Citadel at https://{hostname}.
              </Notice>
            ) : (
              <div className="actions">
                <Button busy={start.busy} onClick={() => void start.run()} testId="start-services">
                  Start Citadel
                </Button>
              </div>
            )}
          </div>
        ) : null}
      </section>
    </>
  );
}
