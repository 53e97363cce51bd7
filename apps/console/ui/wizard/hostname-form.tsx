"use client";
import { useState } from "react";
import { Button, Field, Form, Notice, useAction } from "../components";
import { api } from "../trpc";

export function HostnameForm(props: { initial: string; onSaved: () => void }) {
  const [hostname, setHostname] = useState(props.initial);
  const [resolution, setResolution] = useState<string | null>(null);
  const save = useAction(async () => {
    const result = await api.wizard.setHostname.mutate({ hostname });
    setResolution(result.resolved ? null : result.message);
    if (result.resolved) props.onSaved();
    return result;
  });
  return (
    <Form onSubmit={() => void save.run()}>
      <Field
        id="hostname"
        label="Hostname"
        hint="The name users and builders reach the services box by, e.g. ci.example.com."
        error={save.problem?.fieldErrors.hostname ?? save.problem?.message}
      >
        <input id="hostname" value={hostname} onChange={(e) => setHostname(e.target.value)} autoComplete="off" />
      </Field>
      {resolution ? (
        <Notice kind="warn" testId="hostname-warning">
          {resolution} Saved anyway.{" "}
          <button type="button" className="btn secondary" onClick={props.onSaved}>
            Continue
          </button>
        </Notice>
      ) : null}
      <div className="actions">
        <Button type="submit" busy={save.busy} testId="save-hostname">
          Save hostname
        </Button>
      </div>
    </Form>
  );
}
