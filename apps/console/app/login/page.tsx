"use client";
import { type FormEvent, useCallback, useState } from "react";
import { Button, Field, Notice, useAction, useLoad } from "../../ui/components";
import { api } from "../../ui/trpc";

export default function LoginPage() {
  const [password, setPassword] = useState("");
  const status = useLoad(useCallback(() => api.auth.status.query(), []));
  const login = useAction(async (pw: string) => {
    const result = await api.auth.login.mutate({ password: pw });
    window.location.assign(result.session === "bootstrap" ? "/setup-password" : "/");
  });
  const firstBoot = status.data && !status.data.adminPasswordSet;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void login.run(password);
  };
  return (
    <div className="narrow panel">
      <h1>Sign in</h1>
      {firstBoot ? (
        <Notice kind="info">
          First start: use the one-time <strong>bootstrap password</strong> printed in the console log.
        </Notice>
      ) : null}
      <form onSubmit={onSubmit} noValidate>
        <Field
          id="password"
          label={firstBoot ? "Bootstrap password" : "Admin password"}
          error={login.problem?.fieldErrors.password ?? login.problem?.message}
        >
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={login.problem ? "true" : undefined}
          />
        </Field>
        <div className="actions">
          <Button type="submit" busy={login.busy} testId="login-submit">
            Sign in
          </Button>
        </div>
      </form>
    </div>
  );
}
