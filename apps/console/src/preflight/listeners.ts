import { readdir, readFile, readlink } from "node:fs/promises";

// Who listens on a TCP port, from /proc (Linux): /proc/net/tcp{,6} lists every socket in the network namespace
// whoever owns it; mapping a socket to its process needs /proc/<pid>/fd, readable for our own user's processes
// (all of them as root). Elsewhere, or when /proc is unreadable, nothing is known.

export interface PortListeners {
  /** Whether any socket is in LISTEN state on the port (any address). */
  listening: boolean;
  /** The processes holding those sockets that we could see (empty when they belong to another user and we are not root). */
  pids: number[];
}

const LISTEN_STATE = "0A";

export async function findListeners(port: number): Promise<PortListeners> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const inode of await listeningInodes(table, port)) inodes.add(inode);
  }
  if (inodes.size === 0) return { listening: false, pids: [] };
  return { listening: true, pids: await pidsHolding(inodes) };
}

async function listeningInodes(table: string, port: number): Promise<string[]> {
  const text = await readFile(table, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return ""; // no IPv6, or not Linux
    throw error;
  });
  const inodes: string[] = [];
  for (const line of text.split("\n").slice(1)) {
    const columns = line.trim().split(/\s+/);
    const localPort = columns[1]?.split(":").at(-1);
    if (localPort !== undefined && Number.parseInt(localPort, 16) === port && columns[3] === LISTEN_STATE && columns[9]) {
      inodes.push(columns[9]);
    }
  }
  return inodes;
}

async function pidsHolding(inodes: Set<string>): Promise<number[]> {
  const pids: number[] = [];
  const entries = await readdir("/proc");
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const links = await socketLinks(entry);
        if (links.some((link) => inodes.has(link))) pids.push(Number(entry));
      }),
  );
  return pids.sort((a, b) => a - b);
}

/** The socket inodes a process holds; none when it is gone or not ours to look at (both expected). */
async function socketLinks(pid: string): Promise<string[]> {
  const fdDir = `/proc/${pid}/fd`;
  const fds = await readdir(fdDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EACCES" || error.code === "ENOENT" || error.code === "EPERM") return [];
    throw error;
  });
  const links = await Promise.all(
    fds.map((fd) =>
      readlink(`${fdDir}/${fd}`).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "EACCES" || error.code === "ENOENT" || error.code === "EPERM") return "";
        throw error;
      }),
    ),
  );
  return links.map((link) => /^socket:\[(\d+)\]$/.exec(link)?.[1]).filter((inode): inode is string => inode !== undefined);
}
