import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import { decodeJoinToken, type JobSpec, MAX_CLAIM_WAIT_SECONDS } from "@citadel/protocol";
import type { Logger } from "pino";
import { credentialPath, readCredential, type StoredCredential, writeCredential } from "../client/credential-store";
import { PinnedHttpsClient } from "../client/pinned-https";
import { ServicesApi } from "../client/services-api";
import type { JobRuntime } from "../runtime/types";
import type { BuilderSettings } from "./config";
import { runJob } from "./job-runner";

export const BUILDER_VERSION = "0.1.0";
const HEARTBEAT_MS = 10_000;
const REAP_EVERY_MS = 10 * 60_000;
const JOB_TIMEOUT_MS = 5 * 3_600_000;

export class BuilderStartError extends Error {
  override name = "BuilderStartError";
}

export interface DrainProgress {
  running: Array<{ jobId: string; name: string }>;
}

interface RunningJob {
  spec: JobSpec;
  abort: AbortController;
  done: Promise<unknown>;
}

/**
 * The builder daemon: registers once (keeping only its credential), then heartbeats and long-polls
 * for jobs while it has free slots. Draining stops claiming and waits for running jobs.
 */
export class BuilderDaemon {
  private state: "active" | "draining" = "active";
  private readonly running = new Map<string, RunningJob>();
  private api!: ServicesApi;
  private http!: PinnedHttpsClient;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private reapTimer: NodeJS.Timeout | null = null;
  private slotFreed: (() => void) | null = null;
  private readonly drainListeners = new Set<(progress: DrainProgress) => void>();
  private stopped!: Promise<void>;
  private resolveStopped!: () => void;

  private runtime!: JobRuntime;
  private leaveFleet = false;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly settings: BuilderSettings,
    private readonly slots: number,
    /** The runtime needs the builder id (its labels carry it), known only after registration. */
    private readonly createRuntime: (builderId: string) => JobRuntime,
    private readonly logger: Logger,
  ) {
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** Resolves when the daemon has drained and stopped. */
  get whenStopped(): Promise<void> {
    return this.stopped;
  }

  async start(): Promise<void> {
    const credential = await this.ensureRegistered();
    this.runtime = this.createRuntime(credential.builderId);
    const reaped = await this.runtime.reapLeftovers();
    if (reaped.containers + reaped.networks + reaped.volumes > 0)
      this.logger.warn({ reaped }, "removed leftovers of an earlier run");
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.reapTimer = setInterval(() => {
      this.runtime
        .reapLeftovers({ keepJobIds: this.running.keys() })
        .catch((error: unknown) => this.logger.error({ err: error }, "periodic reap failed"));
    }, REAP_EVERY_MS);
    await this.heartbeat();
    this.logger.info({ builderId: credential.builderId, slots: this.slots, services: credential.servicesUrl }, "builder ready");
    void this.claimLoop();
  }

  private async ensureRegistered(): Promise<StoredCredential> {
    let stored = await readCredential(this.settings.dataDir);
    if (!stored) {
      if (!this.settings.joinToken) {
        throw new BuilderStartError("not registered yet: give a join token (--join-token or CITADEL_BUILDER_JOIN_TOKEN)");
      }
      const token = decodeJoinToken(this.settings.joinToken);
      const url = this.settings.services ?? token.url;
      const client = new PinnedHttpsClient(url, token.fingerprint);
      const api = new ServicesApi(client, () => null);
      const registered = await api.register({
        joinToken: this.settings.joinToken,
        name: this.settings.name,
        host: hostname(),
        runtime: this.settings.runtime,
        version: BUILDER_VERSION,
        slots: this.slots,
      });
      client.close();
      stored = {
        servicesUrl: url,
        fingerprint: token.fingerprint,
        builderId: registered.builderId,
        credential: registered.credential,
      };
      await writeCredential(this.settings.dataDir, stored);
      this.logger.info({ builderId: stored.builderId }, "registered with the services box");
    }
    const credential = stored;
    this.http = new PinnedHttpsClient(credential.servicesUrl, credential.fingerprint);
    this.api = new ServicesApi(this.http, () => credential.credential);
    return credential;
  }

  private freeSlots(): number {
    return Math.max(0, this.slots - this.running.size);
  }

  private async heartbeat(): Promise<void> {
    try {
      const answer = await this.api.heartbeat({
        state: this.state,
        freeSlots: this.freeSlots(),
        runningJobIds: [...this.running.keys()],
      });
      for (const command of answer.commands) {
        if (command.type === "cancel") {
          this.logger.info({ jobId: command.jobId }, "cancel requested by the services box");
          this.running.get(command.jobId)?.abort.abort();
        } else if (command.type === "drain") {
          this.logger.info("drain requested by the services box");
          void this.drain(undefined, { leaveFleet: true });
        }
      }
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, "heartbeat failed; retrying");
    }
  }

  private async claimLoop(): Promise<void> {
    while (this.state === "active") {
      if (this.freeSlots() === 0) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        continue;
      }
      let job: JobSpec | null = null;
      try {
        job = await this.api.claim(this.freeSlots(), MAX_CLAIM_WAIT_SECONDS);
      } catch (error) {
        this.logger.warn({ reason: (error as Error).message }, "claim failed; retrying in 5 s");
        await new Promise((r) => setTimeout(r, 5_000));
        continue;
      }
      if (!job) continue;
      if (this.state !== "active") {
        // Claimed just as a drain began: run it anyway (the lease is ours), but claim nothing more.
        this.logger.info({ jobId: job.jobId }, "claimed while draining; running it");
      }
      this.startJob(job);
    }
  }

  private startJob(spec: JobSpec): void {
    const abort = new AbortController();
    const done = runJob(spec, abort.signal, {
      api: this.api,
      runtime: this.runtime,
      jobNetwork: this.settings.jobNetwork,
      slot: { cpus: this.settings.containerCpus, memoryBytes: this.settings.containerMemoryBytes },
      jobTimeoutMs: JOB_TIMEOUT_MS,
      logger: this.logger,
    })
      .catch((error: unknown) => this.logger.error({ err: error, jobId: spec.jobId }, "job runner failed"))
      .finally(() => {
        this.running.delete(spec.jobId);
        this.slotFreed?.();
        this.slotFreed = null;
        this.emitDrainProgress();
      });
    this.running.set(spec.jobId, { spec, abort, done });
  }

  onDrainProgress(listener: (progress: DrainProgress) => void): () => void {
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  private emitDrainProgress(): void {
    const progress = this.progress();
    for (const listener of this.drainListeners) listener(progress);
  }

  progress(): DrainProgress {
    return { running: [...this.running.values()].map((job) => ({ jobId: job.spec.jobId, name: job.spec.name })) };
  }

  get currentState(): "active" | "draining" {
    return this.state;
  }

  /**
   * Stops claiming and waits for running jobs; at the deadline (if any) cancels what is left.
   * Heartbeats continue throughout. Returns the jobs that had to be cancelled.
   */
  async drain(timeoutSeconds?: number, options: { leaveFleet: boolean } = { leaveFleet: false }): Promise<string[]> {
    // circle-shutdown and the console's drain retire the box; a SIGTERM (a service restart) keeps its credential.
    this.leaveFleet ||= options.leaveFleet;
    if (this.state === "active") {
      this.state = "draining";
      this.logger.info({ running: this.running.size, timeoutSeconds }, "draining");
      this.slotFreed?.();
      await this.heartbeat();
    }
    const all = () => Promise.all([...this.running.values()].map((job) => job.done));
    let canceled: string[] = [];
    if (timeoutSeconds === undefined) {
      await all();
    } else {
      const timedOut = await Promise.race([
        all().then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), timeoutSeconds * 1000)),
      ]);
      if (timedOut) canceled = this.cancelAll();
      await all();
    }
    await this.stop();
    return canceled;
  }

  /** Cancels every running job now (a forced stop). */
  cancelAll(): string[] {
    const ids = [...this.running.keys()];
    for (const job of this.running.values()) job.abort.abort();
    return ids;
  }

  /** Once, however many drains end at the same time. */
  private stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      if (this.reapTimer) clearInterval(this.reapTimer);
      await this.heartbeat();
      if (this.leaveFleet) await this.deregister();
      this.http.close();
      this.logger.info("builder stopped");
      this.resolveStopped();
    })();
    return this.stopping;
  }

  /** Leaves the fleet (freeing its license seat) and forgets the credential: a new start needs a join token. */
  private async deregister(): Promise<void> {
    try {
      await this.api.deregister();
      await rm(credentialPath(this.settings.dataDir), { force: true });
      this.logger.info("deregistered from the services box");
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, "could not deregister; the builder will show offline");
    }
  }
}
