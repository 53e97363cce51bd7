"use client";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "../src/trpc/router";

export const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: "/api/trpc" })] });

export interface ApiProblem {
  message: string;
  fieldErrors: Record<string, string>;
  unauthorized: boolean;
}

/** Turns a failed call into a message plus per-field messages for the form. */
export function problemOf(error: unknown): ApiProblem {
  if (error instanceof TRPCClientError) {
    const data = error.data as { fieldErrors?: Array<{ field: string; message: string }> | null; code?: string } | undefined;
    const fieldErrors: Record<string, string> = {};
    for (const item of data?.fieldErrors ?? [])
      fieldErrors[item.field] = fieldErrors[item.field] ? `${fieldErrors[item.field]} ${item.message}` : item.message;
    return { message: error.message, fieldErrors, unauthorized: data?.code === "UNAUTHORIZED" };
  }
  return { message: error instanceof Error ? error.message : String(error), fieldErrors: {}, unauthorized: false };
}
