"use client";
import { useState } from "react";
import type { BackupStatus } from "./backup-activity";
import { Button, Field, Form, Notice, useAction } from "./components";
import { api } from "./trpc";

export function CreateBackupForm(props: { onStarted: () => void }) {
  const [passphrase, setPassphrase] = useState("");
  const [includeObjects, setIncludeObjects] = useState(true);
  const action = useAction(async () => {
    await api.backups.create.mutate({ passphrase, includeObjects });
    setPassphrase("");
    props.onStarted();
  });
  return (
    <Form onSubmit={() => void action.run()}>
      <Field
        id="backup-passphrase"
        label="Passphrase"
        error={action.problem?.fieldErrors.passphrase}
        hint="The archive is encrypted with it; keep it apart from the backups."
      >
        <input
          id="backup-passphrase"
          type="password"
          autoComplete="new-password"
          value={passphrase}
          onChange={(e) => setPassphrase(e.target.value)}
        />
      </Field>
      <label className="radio-row">
        <input type="checkbox" checked={includeObjects} onChange={(e) => setIncludeObjects(e.target.checked)} /> Include the
        object store (artifacts, caches, workspaces)
      </label>
      {action.problem && Object.keys(action.problem.fieldErrors).length === 0 ? (
        <Notice kind="error">{action.problem.message}</Notice>
      ) : null}
      <div className="actions">
        <Button type="submit" busy={action.busy} testId="backup-create">
          Back up now
        </Button>
      </div>
    </Form>
  );
}

export function ScheduleForm(props: { initial: BackupStatus["schedule"]; onSaved: () => void }) {
  const [form, setForm] = useState({ ...props.initial, passphrase: "" });
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction(async () => {
    const { nextRun: _next, passphrase, ...rest } = form;
    const result = await api.backups.saveSchedule.mutate({ ...rest, passphrase: passphrase || undefined });
    setSaved(
      result.nextRun ? `Saved; next backup ${new Date(result.nextRun).toLocaleString()}.` : "Saved; scheduled backups are off.",
    );
    props.onSaved();
  });
  const errors = action.problem?.fieldErrors ?? {};
  return (
    <Form onSubmit={() => void action.run()}>
      <label className="radio-row">
        <input type="checkbox" checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.target.checked })} />{" "}
        Scheduled backups on
      </label>
      <Field
        id="schedule-cron"
        label="When (cron, UTC)"
        error={errors.cron}
        hint="minute hour day-of-month month day-of-week, e.g. 0 3 * * * for 03:00 daily"
      >
        <input id="schedule-cron" value={form.cron} onChange={(e) => setForm({ ...form, cron: e.target.value })} />
      </Field>
      <Field id="schedule-directory" label="Directory" error={errors.directory}>
        <input id="schedule-directory" value={form.directory} onChange={(e) => setForm({ ...form, directory: e.target.value })} />
      </Field>
      <Field id="schedule-keep" label="Keep the newest" error={errors.keep}>
        <input
          id="schedule-keep"
          type="number"
          min={1}
          value={form.keep}
          onChange={(e) => setForm({ ...form, keep: Number(e.target.value) })}
        />
      </Field>
      <Field id="schedule-passphrase" label="Passphrase" error={errors.passphrase} hint="Leave empty to keep the current one.">
        <input
          id="schedule-passphrase"
          type="password"
          autoComplete="new-password"
          value={form.passphrase}
          onChange={(e) => setForm({ ...form, passphrase: e.target.value })}
        />
      </Field>
      <label className="radio-row">
        <input
          type="checkbox"
          checked={form.includeObjects}
          onChange={(e) => setForm({ ...form, includeObjects: e.target.checked })}
        />{" "}
        Include the object store
      </label>
      {saved ? <Notice kind="ok">{saved}</Notice> : null}
      {action.problem && Object.keys(errors).length === 0 ? <Notice kind="error">{action.problem.message}</Notice> : null}
      <div className="actions">
        <Button type="submit" busy={action.busy} kind="secondary">
          Save schedule
        </Button>
      </div>
    </Form>
  );
}

/** Uploads the archive with a progress bar (XHR: fetch has no upload progress), then starts the restore. */
export function RestoreForm(props: { onStarted: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [uploaded, setUploaded] = useState<number | null>(null);
  const action = useAction(async () => {
    if (!file) throw new Error("Choose the archive to restore.");
    const upload = await uploadArchive(file, setUploaded);
    await api.backups.restore.mutate({ upload, passphrase });
    props.onStarted();
  });
  return (
    <Form onSubmit={() => void action.run()}>
      <Notice kind="warn">
        Restoring replaces every setting, project, build and secret with the archive's, and restarts the services box.
      </Notice>
      <Field id="restore-file" label="Archive">
        <input id="restore-file" type="file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </Field>
      <Field id="restore-passphrase" label="Passphrase" error={action.problem?.fieldErrors.passphrase}>
        <input id="restore-passphrase" type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
      </Field>
      {uploaded !== null && file ? <progress max={file.size} value={uploaded} aria-label="Upload progress" /> : null}
      {action.problem ? <Notice kind="error">{action.problem.message}</Notice> : null}
      <div className="actions">
        <Button type="submit" busy={action.busy} kind="danger" testId="backup-restore">
          Upload and restore
        </Button>
      </div>
    </Form>
  );
}

function uploadArchive(file: File, onProgress: (bytes: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/backups/upload");
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onerror = () => reject(new Error("The upload failed."));
    xhr.onload = () => {
      const body = JSON.parse(xhr.responseText || "{}") as { upload?: string; message?: string };
      if (xhr.status === 200 && body.upload) resolve(body.upload);
      else reject(new Error(body.message ?? `The upload failed (${xhr.status}).`));
    };
    xhr.send(file);
  });
}
