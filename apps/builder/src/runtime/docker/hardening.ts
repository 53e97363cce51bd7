import type Docker from "dockerode";
import type { ResourceLimits } from "../types";

/**
 * Capabilities a job container keeps after `CapDrop: ["ALL"]`: what root inside a CI job commonly
 * needs (apt/dpkg, git, tar, service images that drop to their own user). Every other capability of
 * Docker's default set is dropped: AUDIT_WRITE, MKNOD (no device nodes), NET_RAW (no raw sockets: no
 * ARP/IP spoofing on the bridge; ping fails), SETFCAP, SETPCAP, SYS_CHROOT. Keep README.md in step.
 */
export const JOB_CAPABILITIES = [
  // chown files: dpkg unpacking packages, tar/cp -p restoring owners, `chown` in build scripts.
  "CHOWN",
  // root reads/writes files it does not own: apt's cache and lists owned by _apt, files of other users.
  "DAC_OVERRIDE",
  // chmod/utime on files root does not own: dpkg, tar extraction, cp -p, git checkouts made by another user.
  "FOWNER",
  // keep setuid/setgid bits when dpkg installs such files (otherwise they are silently cleared).
  "FSETID",
  // signal processes of other users: stopping services a step started under their own user.
  "KILL",
  // switch user/groups: apt drops to _apt for downloads; su/runuser/gosu in service images (postgres, mysql).
  "SETGID",
  "SETUID",
  // bind ports below 1024 inside the job's own network namespace: nginx/httpd secondaries on :80.
  "NET_BIND_SERVICE",
] as const;

/** Default seccomp stays on: we never set `seccomp=…` in SecurityOpt, so the engine's profile applies. */
export const JOB_SECURITY_OPT = ["no-new-privileges"] as const;

/**
 * The HostConfig every job container gets. No Binds, Mounts, Devices or Tmpfs: nothing of the host, and
 * never the Docker socket, is reachable from a job. The root filesystem stays writable (jobs install things).
 */
export function hardenedHostConfig(
  resources: ResourceLimits,
  networkMode: string,
  options: { init: boolean; extraHosts?: string[] },
): Docker.HostConfig {
  return {
    Privileged: false,
    CapDrop: ["ALL"],
    CapAdd: [...JOB_CAPABILITIES],
    SecurityOpt: [...JOB_SECURITY_OPT],
    PidsLimit: resources.pidsLimit,
    Memory: resources.memoryBytes,
    // Equal to Memory: no swap on top of the limit.
    MemorySwap: resources.memoryBytes,
    NanoCpus: Math.round(resources.cpus * 1e9),
    ReadonlyRootfs: false,
    NetworkMode: networkMode,
    // docker-init as PID 1 reaps the zombies that background steps leave (they would count against PidsLimit).
    Init: options.init,
    AutoRemove: false,
    RestartPolicy: { Name: "no" },
    ...(options.extraHosts?.length ? { ExtraHosts: options.extraHosts } : {}),
  };
}
