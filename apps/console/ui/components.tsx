"use client";
import { type ReactNode, useCallback, useEffect, useState } from "react";
import { type ApiProblem, problemOf } from "./trpc";

export function Field(props: { id: string; label: string; error?: string | undefined; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className={`field${props.error ? " has-error" : ""}`}>
      <label htmlFor={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? <p className="hint">{props.hint}</p> : null}
      {props.error ? (
        <p className="error" id={`${props.id}-error`} role="alert" data-testid={`error-${props.id}`}>
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

/** A form that submits through script only (no native navigation), with browser validation off. */
export function Form(props: { onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit();
      }}
    >
      {props.children}
    </form>
  );
}

export function Button(props: {
  busy?: boolean;
  children: ReactNode;
  type?: "submit" | "button";
  onClick?: () => void;
  kind?: "primary" | "secondary" | "danger";
  disabled?: boolean;
  testId?: string;
}) {
  return (
    <button
      type={props.type ?? "button"}
      className={`btn ${props.kind ?? "primary"}`}
      disabled={props.busy || props.disabled}
      aria-busy={props.busy ? "true" : undefined}
      onClick={props.onClick}
      data-testid={props.testId}
    >
      {props.busy ? <span className="spinner" aria-hidden="true" /> : null}
      {props.children}
    </button>
  );
}

export function Notice(props: { kind: "ok" | "warn" | "error" | "info"; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice ${props.kind}`} role={props.kind === "error" ? "alert" : "status"} data-testid={props.testId}>
      {props.children}
    </div>
  );
}

const SIGN_IN_PAGES = ["/login", "/setup-password"];

/** A lapsed session sends the admin to sign in again (but a wrong password on the sign-in page stays there). */
function redirectIfSignedOut(problem: ApiProblem): void {
  if (problem.unauthorized && !SIGN_IN_PAGES.includes(window.location.pathname)) window.location.assign("/login");
}

/** Runs an async action with busy state and a structured problem for the form. */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setBusy(true);
      setProblem(null);
      try {
        return await action(...args);
      } catch (error) {
        const p = problemOf(error);
        redirectIfSignedOut(p);
        setProblem(p);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, problem, setProblem };
}

/** Loads data on mount (and on demand), with loading and error state. */
export function useLoad<T>(load: () => Promise<T>, intervalMs?: number) {
  const [data, setData] = useState<T | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const refresh = useCallback(async () => {
    try {
      setData(await load());
      setProblem(null);
    } catch (error) {
      const p = problemOf(error);
      redirectIfSignedOut(p);
      setProblem(p);
    }
  }, [load]);
  useEffect(() => {
    void refresh();
    if (!intervalMs) return;
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [refresh, intervalMs]);
  return { data, problem, refresh };
}

export function readFileText(file: File): Promise<string> {
  return file.text();
}

export async function readFileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
