import { sql } from "drizzle-orm";
import type { AppContext } from "../app-context";
import { heldByPids, type PreflightResult, preflightBlocksStart, runPreflight } from "../preflight/index";

/** The preflight checks for this appliance: its data dir, its services ports, its database. */
export async function runAppliancePreflight(app: AppContext): Promise<{ results: PreflightResult[]; blocked: boolean }> {
  const results = await runPreflight({
    dataDir: app.env.CITADEL_DATA_DIR,
    ports: [app.env.CITADEL_HTTP_PORT, app.env.CITADEL_HTTPS_PORT],
    // Ports held by our own running services box count as ours, not as a conflict.
    isOurPort: heldByPids(() => {
      const pid = app.supervisor.current().pid;
      return pid ? [pid] : [];
    }),
    postgresVersion: async () => {
      const rows = await app.db.execute<{ version: string }>(sql`select current_setting('server_version_num') as version`);
      return Number(rows[0]?.version);
    },
  });
  return { results, blocked: preflightBlocksStart(results) };
}
