"use client";
import { useCallback } from "react";
import { BackupActivity, BackupList } from "../../ui/backup-activity";
import { CreateBackupForm, RestoreForm, ScheduleForm } from "../../ui/backup-forms";
import { Notice, useLoad } from "../../ui/components";
import { api } from "../../ui/trpc";

export default function BackupsPage() {
  const status = useLoad(
    useCallback(() => api.backups.status.query(), []),
    1500,
  );
  const refresh = () => void status.refresh();
  if (!status.data) return status.problem ? <Notice kind="error">{status.problem.message}</Notice> : <p>Loading…</p>;
  return (
    <>
      <h1>Backups</h1>
      <p className="hint">
        Everything the appliance holds — database, keyring, certificates, license, settings and the object store — in one
        encrypted archive. From a shell: <span className="mono">npx citadel backup create|verify|restore</span>.
      </p>
      <BackupActivity activity={status.data.activity} />
      <section className="panel">
        <h2>Back up now</h2>
        <CreateBackupForm onStarted={refresh} />
      </section>
      <section className="panel">
        <h2>Backups</h2>
        <BackupList backups={status.data.backups} />
      </section>
      <section className="panel">
        <h2>Schedule</h2>
        <ScheduleForm initial={status.data.schedule} onSaved={refresh} />
      </section>
      <section className="panel">
        <h2>Restore</h2>
        <RestoreForm onStarted={refresh} />
      </section>
    </>
  );
}
