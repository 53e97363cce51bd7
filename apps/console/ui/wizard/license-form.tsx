"use client";
import { useState } from "react";
import { Button, Field, Form, readFileText, useAction } from "../components";
import { api } from "../trpc";

export function LicenseForm(props: { onSaved: () => void }) {
  const [license, setLicense] = useState("");
  const save = useAction(async () => {
    await api.wizard.setLicense.mutate({ license });
    props.onSaved();
  });
  return (
    <Form onSubmit={() => void save.run()}>
      <Field
        id="license"
        label="License key"
        hint="Paste the license or choose the file you received."
        error={save.problem?.fieldErrors.license ?? save.problem?.message}
      >
        <textarea id="license" value={license} onChange={(e) => setLicense(e.target.value)} />
        <input
          type="file"
          aria-label="License file"
          onChange={async (e) => e.target.files?.[0] && setLicense(await readFileText(e.target.files[0]))}
        />
      </Field>
      <div className="actions">
        <Button type="submit" busy={save.busy} testId="save-license">
          Verify and save license
        </Button>
      </div>
    </Form>
  );
}
