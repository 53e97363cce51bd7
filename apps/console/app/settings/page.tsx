"use client";
import { useCallback, useState } from "react";
import { Button, Field, Form, Notice, useAction, useLoad } from "../../ui/components";
import { api } from "../../ui/trpc";
import { HostnameForm } from "../../ui/wizard/hostname-form";
import { LicenseForm } from "../../ui/wizard/license-form";
import { SourceControlForm } from "../../ui/wizard/source-control-form";
import { TlsForm } from "../../ui/wizard/tls-form";

export default function SettingsPage() {
  const summary = useLoad(useCallback(() => api.dashboard.summary.query(), []));
  const [needsRestart, setNeedsRestart] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const restart = useAction(async () => {
    await api.services.restart.mutate();
    setNeedsRestart(null);
    setSaved("The services box restarted with the new settings.");
    await summary.refresh();
  });
  const changed = (what: string, restartNeeded: boolean) => {
    setSaved(`${what} saved.`);
    if (restartNeeded && summary.data?.services.state === "running") setNeedsRestart(what);
    void summary.refresh();
  };
  if (!summary.data) return <p>Loading…</p>;
  return (
    <>
      <h1>Settings</h1>
      {saved ? <Notice kind="ok">{saved}</Notice> : null}
      {needsRestart ? (
        <Notice kind="warn" testId="restart-needed">
          {needsRestart} takes effect when the services box restarts.{" "}
          <Button busy={restart.busy} onClick={() => void restart.run()} kind="secondary">
            Restart now
          </Button>
        </Notice>
      ) : null}
      <section className="panel">
        <h2>Hostname</h2>
        <HostnameForm initial={summary.data.hostname ?? ""} onSaved={() => changed("Hostname", true)} />
      </section>
      <section className="panel">
        <h2>TLS certificate</h2>
        <p className="hint">A new certificate is swapped in live on the console and the services box, without a restart.</p>
        <TlsForm onSaved={() => changed("Certificate", false)} />
      </section>
      <section className="panel">
        <h2>License</h2>
        <LicenseForm onSaved={() => changed("License", false)} />
      </section>
      <section className="panel">
        <h2>Source control</h2>
        <SourceControlForm hostname={summary.data.hostname ?? "HOST"} onSaved={() => changed("Source control", true)} />
      </section>
      <section className="panel">
        <h2>Admin password</h2>
        <ChangePasswordForm onSaved={() => setSaved("Password changed; other sessions were signed out.")} />
      </section>
    </>
  );
}

function ChangePasswordForm(props: { onSaved: () => void }) {
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const save = useAction(async () => {
    await api.auth.changePassword.mutate({ currentPassword, newPassword });
    setCurrent("");
    setNew("");
    props.onSaved();
  });
  return (
    <Form onSubmit={() => void save.run()}>
      <Field id="current-password" label="Current password" error={save.problem?.message}>
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={(e) => setCurrent(e.target.value)}
        />
      </Field>
      <Field id="changed-password" label="New password (12+ characters)">
        <input
          id="changed-password"
          type="password"
          autoComplete="new-password"
          value={newPassword}
          onChange={(e) => setNew(e.target.value)}
        />
      </Field>
      <div className="actions">
        <Button type="submit" busy={save.busy}>
          Change password
        </Button>
      </div>
    </Form>
  );
}
