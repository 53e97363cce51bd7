"use client";
import { useState } from "react";
import { Button, Field, Form, Notice, useAction } from "../components";
import { api } from "../trpc";

type Kind = "git-ssh" | "github" | "github-enterprise";

export function SourceControlForm(props: { hostname: string; onSaved: () => void }) {
  const [kind, setKind] = useState<Kind>("git-ssh");
  const [apiUrl, setApiUrl] = useState("");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const save = useAction(async () => {
    const input =
      kind === "git-ssh"
        ? { kind }
        : kind === "github"
          ? { kind, clientId, clientSecret }
          : { kind, apiUrl, clientId, clientSecret };
    await api.wizard.setSourceControl.mutate(input);
    props.onSaved();
  });
  const errors = save.problem?.fieldErrors ?? {};
  return (
    <Form onSubmit={() => void save.run()}>
      <fieldset className="radio-row">
        {(
          [
            ["git-ssh", "Plain Git over SSH"],
            ["github", "GitHub.com"],
            ["github-enterprise", "GitHub Enterprise"],
          ] as const
        ).map(([value, label]) => (
          <label key={value}>
            <input type="radio" name="scm" value={value} checked={kind === value} onChange={() => setKind(value)} />
            {label}
          </label>
        ))}
      </fieldset>
      {kind !== "git-ssh" ? (
        <>
          <Notice kind="info">
            Create an OAuth app with the callback URL <span className="mono">https://{props.hostname}/auth/github</span>
          </Notice>
          {kind === "github-enterprise" ? (
            <Field id="apiUrl" label="API URL" hint="e.g. https://github.example.com/api/v3" error={errors.apiUrl}>
              <input id="apiUrl" value={apiUrl} onChange={(e) => setApiUrl(e.target.value)} />
            </Field>
          ) : null}
          <Field id="clientId" label="OAuth client id" error={errors.clientId}>
            <input id="clientId" value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="off" />
          </Field>
          <Field id="clientSecret" label="OAuth client secret" error={errors.clientSecret}>
            <input
              id="clientSecret"
              type="password"
              value={clientSecret}
              onChange={(e) => setClientSecret(e.target.value)}
              autoComplete="off"
            />
          </Field>
        </>
      ) : (
        <p>Projects are added with their SSH URL; Citadel generates a deploy key per project.</p>
      )}
      {save.problem && Object.keys(errors).length === 0 ? <Notice kind="error">{save.problem.message}</Notice> : null}
      <div className="actions">
        <Button type="submit" busy={save.busy} testId="save-scm">
          Save source control
        </Button>
      </div>
    </Form>
  );
}
