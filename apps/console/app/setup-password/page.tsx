"use client";
import { type FormEvent, useState } from "react";
import { Button, Field, useAction } from "../../ui/components";
import { api } from "../../ui/trpc";

export default function SetupPasswordPage() {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState<string | undefined>();
  const save = useAction(async (pw: string) => {
    await api.auth.setInitialPassword.mutate({ password: pw });
    window.location.assign("/wizard");
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (password !== confirm) return setMismatch("The two passwords differ.");
    setMismatch(undefined);
    void save.run(password);
  };
  return (
    <div className="narrow panel">
      <h1>Choose the admin password</h1>
      <p>This replaces the one-time bootstrap password. At least 12 characters.</p>
      <form onSubmit={onSubmit} noValidate>
        <Field id="new-password" label="Admin password" error={save.problem?.fieldErrors.password ?? save.problem?.message}>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Field id="confirm-password" label="Repeat it" error={mismatch}>
          <input
            id="confirm-password"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </Field>
        <div className="actions">
          <Button type="submit" busy={save.busy} testId="set-password">
            Set password and continue
          </Button>
        </div>
      </form>
    </div>
  );
}
