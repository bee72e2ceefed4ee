import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Whether process `pid` or one of its descendants holds the listening TCP socket on `port`
 * (Linux /proc). A readiness probe alone cannot tell our instance from another process that took
 * the port first. Returns null where /proc is not available (the check is then skipped).
 */
export function listensOn(pid: number, port: number): boolean | null {
  let inodes: Set<string>;
  try {
    inodes = listeningInodes(port);
  } catch {
    return null;
  }
  if (inodes.size === 0) return false;
  for (const p of withDescendants(pid)) if (holds(p, inodes)) return true;
  return false;
}

function holds(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m && inodes.has(m[1])) return true;
    } catch {
      /* fd closed meanwhile */
    }
  }
  return false;
}

/** `pid` and its descendants (bounded), from /proc/PID/task/PID/children. */
function withDescendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length && out.length < 64) {
    const p = queue.shift()!;
    out.push(p);
    try {
      for (const c of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/)) if (c) queue.push(Number(c));
    } catch {
      /* gone, or no children file */
    }
  }
  return out;
}

/** Inodes of sockets listening on `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out = new Set<string>();
  let read = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
      read++;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A = LISTEN; inode is column 9.
      if (cols.length > 9 && cols[3] === '0A' && cols[1].endsWith(`:${hex}`)) out.add(cols[9]);
    }
  }
  if (read === 0) throw new Error('no /proc/net/tcp');
  return out;
}
