import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { PgDatabase } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsQueryResultHKT } from "drizzle-orm/postgres-js";
import type { Logger } from "pino";
import postgres, { type Sql } from "postgres";
import { EMBEDDED_DATABASE, embeddedPaths, findRunningPostmaster, startEmbeddedPostgres } from "./embedded";
import { DatabaseError } from "./errors";
import * as schema from "./schema/index";

export type Db = ReturnType<typeof drizzle<typeof schema>>;
/** A transaction handle. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** What both a pool and a transaction are: functions that may run inside a transaction take this. */
export type DbOrTx = PgDatabase<PostgresJsQueryResultHKT, typeof schema>;

export interface Database {
  mode: "embedded" | "external";
  /** Carries the password: hand it only to child processes, never to a log or a response. */
  connectionUrl: string;
  sql: Sql;
  db: Db;
  /** Closes the pool and, when this process started it, stops the embedded server. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  logger: Logger;
  /** `postgres://…` of an external server; when absent the embedded cluster is used. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /**
   * `start`: this process owns the embedded server (the appliance).
   * `attach`: connect to the server a running appliance owns, or fail (CLI and tests).
   */
  embedded?: "start" | "attach";
  applicationName?: string;
  maxConnections?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { logger } = options;
  const pool = { max: options.maxConnections ?? 10, application_name: options.applicationName ?? "citadel" };
  if (options.databaseUrl) {
    const sql = createPool(options.databaseUrl, pool, logger);
    return {
      mode: "external",
      connectionUrl: options.databaseUrl,
      sql,
      db: drizzle(sql, { schema }),
      close: () => sql.end({ timeout: 5 }),
    };
  }

  const dataDir = resolve(options.dataDir);
  if ((options.embedded ?? "start") === "attach") {
    const paths = embeddedPaths(dataDir);
    const running = await findRunningPostmaster(paths.clusterDir);
    if (!running) throw new DatabaseError(`no Citadel database is running for data dir ${dataDir}; start it with npm start`);
    const password = (await readFile(paths.passwordFile, "utf8")).trim();
    const url = embeddedUrl(running.port, password);
    const sql = createPool(url, pool, logger);
    return { mode: "embedded", connectionUrl: url, sql, db: drizzle(sql, { schema }), close: () => sql.end({ timeout: 5 }) };
  }

  const server = await startEmbeddedPostgres({ dataDir, logger });
  const url = embeddedUrl(server.port, server.password);
  const sql = createPool(url, pool, logger);
  return {
    mode: "embedded",
    connectionUrl: url,
    sql,
    db: drizzle(sql, { schema }),
    close: async () => {
      await sql.end({ timeout: 5 });
      await server.stop();
    },
  };
}

function embeddedUrl(port: number, password: string): string {
  return `postgres://citadel:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
}

function createPool(url: string, pool: { max: number; application_name: string }, logger: Logger): Sql {
  return postgres(url, {
    max: pool.max,
    connection: { application_name: pool.application_name },
    onnotice: (notice) => logger.debug({ notice: notice.message }, "postgres notice"),
  });
}

/** A cheap liveness probe for /healthz: never throws, never leaks connection details. */
export async function checkDatabase(sql: Sql, timeoutMs = 2_000): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([sql`select 1`, timeout]);
    return { ok: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { ok: false, reason: code ? `database unreachable (${code})` : `database unreachable (${(error as Error).message})` };
  } finally {
    clearTimeout(timer);
  }
}
