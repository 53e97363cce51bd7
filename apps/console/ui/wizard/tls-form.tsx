"use client";
import { useState } from "react";
import { Button, Field, Form, Notice, readFileBase64, readFileText, useAction } from "../components";
import { api } from "../trpc";

type Mode = "self-signed" | "pem" | "pkcs12";

export function TlsForm(props: { onSaved: (summary: string) => void }) {
  const [mode, setMode] = useState<Mode>("pem");
  const [certificatePem, setCert] = useState("");
  const [chainPem, setChain] = useState("");
  const [privateKeyPem, setKey] = useState("");
  const [pkcs12Base64, setPkcs12] = useState("");
  const [password, setPassword] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const save = useAction(async () => {
    const input =
      mode === "self-signed"
        ? { mode }
        : mode === "pem"
          ? { mode, certificatePem, chainPem: chainPem || undefined, privateKeyPem }
          : { mode, pkcs12Base64, password };
    const result = await api.wizard.setTls.mutate(input);
    const summary = `Certificate active: ${result.sans.join(", ")}, valid until ${new Date(result.notAfter).toLocaleDateString()} (SHA-256 ${result.fingerprintSha256.slice(0, 16)}…).`;
    setSaved(summary);
    props.onSaved(summary);
  });
  const errors = save.problem?.fieldErrors ?? {};
  const generalError = save.problem && Object.keys(errors).length === 0 ? save.problem.message : undefined;
  return (
    <Form onSubmit={() => void save.run()}>
      <fieldset className="radio-row">
        <legend className="sr-only">Certificate source</legend>
        {(
          [
            ["pem", "PEM certificate and key"],
            ["pkcs12", "PKCS#12 file"],
            ["self-signed", "Self-signed for the hostname"],
          ] as const
        ).map(([value, label]) => (
          <label key={value}>
            <input type="radio" name="tls-mode" value={value} checked={mode === value} onChange={() => setMode(value)} />
            {label}
          </label>
        ))}
      </fieldset>
      {mode === "pem" ? (
        <>
          <Field id="certificate" label="Certificate (PEM, leaf first; chain may follow)" error={errors.certificate}>
            <textarea id="certificate" value={certificatePem} onChange={(e) => setCert(e.target.value)} />
            <input
              type="file"
              aria-label="Certificate file"
              onChange={async (e) => e.target.files?.[0] && setCert(await readFileText(e.target.files[0]))}
            />
          </Field>
          <Field id="chain" label="Chain (optional, PEM)" error={errors.chain}>
            <textarea id="chain" value={chainPem} onChange={(e) => setChain(e.target.value)} />
          </Field>
          <Field id="privateKey" label="Private key (PEM)" error={errors.privateKey}>
            <textarea id="privateKey" value={privateKeyPem} onChange={(e) => setKey(e.target.value)} />
            <input
              type="file"
              aria-label="Private key file"
              onChange={async (e) => e.target.files?.[0] && setKey(await readFileText(e.target.files[0]))}
            />
          </Field>
        </>
      ) : null}
      {mode === "pkcs12" ? (
        <>
          <Field id="pkcs12" label="PKCS#12 file (.p12 / .pfx)" error={errors.pkcs12}>
            <input
              id="pkcs12"
              type="file"
              onChange={async (e) => e.target.files?.[0] && setPkcs12(await readFileBase64(e.target.files[0]))}
            />
          </Field>
          <Field id="pkcs12-password" label="PKCS#12 password" error={errors.password}>
            <input id="pkcs12-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
        </>
      ) : null}
      {mode === "self-signed" ? (
        <Notice kind="info">
          A self-signed certificate for the hostname; it renews itself 30 days before it expires. Browsers will warn until you
          upload a trusted one.
        </Notice>
      ) : null}
      {generalError ? <Notice kind="error">{generalError}</Notice> : null}
      {saved ? (
        <Notice kind="ok" testId="tls-saved">
          {saved}
        </Notice>
      ) : null}
      <div className="actions">
        <Button type="submit" busy={save.busy} testId="save-tls">
          {mode === "self-signed" ? "Generate and use" : "Validate and use"}
        </Button>
      </div>
    </Form>
  );
}
