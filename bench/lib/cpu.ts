import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

// Linux reports process times in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const TICKS_PER_SECOND = 100;

/** A process's command name and CPU seconds (user + system) so far, from /proc; null once it has ended or where /proc is absent. */
function processTimes(pid: number | string): { name: string; seconds: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3 of stat(5), utime 14 and stime 15.
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

const processCpuSeconds = (pid: number) => processTimes(pid)?.seconds ?? null;

/** The machine's CPU time in ticks, all cores, from the text of /proc/stat: in all, idle (idle + iowait), and stolen by the hypervisor. */
export function parseProcStat(text: string): { total: number; idle: number; steal: number } | null {
  const line = text.split('\n', 1)[0]!.trim().split(/\s+/);
  if (line[0] !== 'cpu' || line.length < 9) return null;
  // user nice system idle iowait irq softirq steal, proc(5): guest time is already in user.
  const t = line.slice(1, 9).map(Number);
  if (t.some((v) => !Number.isFinite(v))) return null;
  return { total: t.reduce((a, b) => a + b, 0), idle: t[3]! + t[4]!, steal: t[7]! };
}

function machineTicks(): ReturnType<typeof parseProcStat> {
  try {
    return parseProcStat(fs.readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** CPU seconds of every process named `postgres` on this machine (a local PostgreSQL server's backends and helpers), by pid. */
function postgresCpuSeconds(): Map<string, number> | null {
  try {
    const byPid = new Map<string, number>();
    for (const d of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const t = processTimes(d);
      if (t?.name === 'postgres') byPid.set(d, t.seconds);
    }
    return byPid;
  } catch {
    return null;
  }
}

/**
 * CPU seconds the `postgres` processes spent between two readings, per process: one that started
 * meanwhile counts whole; one that ended is missed (summing totals instead went negative when a
 * backend that had worked long ended during the window).
 */
function postgresDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  return total;
}

/**
 * In % of one core; `postgres` only when the run uses a PostgreSQL server on this machine (backends
 * that ended meanwhile are missed). `idle`: the share of the whole machine's CPU time (all cores)
 * that was idle or waiting for I/O, in %; `steal`: the share a hypervisor gave to other machines.
 */
export type CpuShare = { server: number | null; bench: number; postgres?: number | null; idle?: number | null; steal?: number | null };

/** Starts measuring; the returned function gives each process's CPU use since, in % of one core. */
export function cpuMeter(serverPid: number, withPostgres = false): () => CpuShare {
  const s0 = processCpuSeconds(serverPid);
  const p0 = withPostgres ? postgresCpuSeconds() : null;
  const b0 = process.cpuUsage();
  const m0 = machineTicks();
  const t0 = performance.now();
  return () => {
    const m1 = machineTicks();
    const machine = (part: 'idle' | 'steal') => (m0 && m1 && m1.total > m0.total ? (100 * (m1[part] - m0[part])) / (m1.total - m0.total) : null);
    const wall = (performance.now() - t0) / 1000;
    const s1 = processCpuSeconds(serverPid);
    const b = process.cpuUsage(b0);
    const p1 = withPostgres ? postgresCpuSeconds() : null;
    return {
      ...(withPostgres ? { postgres: p0 === null || p1 === null ? null : (100 * postgresDelta(p0, p1)) / wall } : {}),
      server: s0 === null || s1 === null ? null : (100 * (s1 - s0)) / wall,
      bench: (100 * (b.user + b.system)) / 1e6 / wall,
      idle: machine('idle'),
      steal: machine('steal'),
    };
  };
}

const SHARES = ['server', 'bench', 'postgres', 'idle', 'steal'] as const;
type Sums = { seconds: number } & Record<(typeof SHARES)[number], number | null>;

/**
 * CPU shares summed over many windows, by label: `label(l)` ends the current window (if any) and
 * starts one under `l` (none when null); `shares(l)` is each process's share over all of l's
 * windows, `all()` the same for every label seen. A share unknown in any window is unknown (null).
 */
export function cpuByLabel(serverPid: number, withPostgres = false) {
  const sums = new Map<string, Sums>();
  let current: { label: string; read: () => CpuShare; t0: number } | null = null;
  const shares = (l: string): CpuShare | undefined => {
    const s = sums.get(l);
    if (!s || s.seconds === 0) return undefined;
    const mean = (k: (typeof SHARES)[number]) => (s[k] === null ? null : s[k] / s.seconds);
    return { server: mean('server'), bench: mean('bench')!, ...(withPostgres ? { postgres: mean('postgres') } : {}), idle: mean('idle'), steal: mean('steal') };
  };
  return {
    label(l: string | null) {
      if (current) {
        const c = current.read();
        const seconds = (performance.now() - current.t0) / 1000;
        const s = sums.get(current.label) ?? { seconds: 0, server: 0, bench: 0, postgres: 0, idle: 0, steal: 0 };
        const next: Sums = { ...s, seconds: s.seconds + seconds };
        for (const k of SHARES) {
          const v = c[k];
          const sum = s[k];
          next[k] = sum === null || v == null ? null : sum + v * seconds;
        }
        sums.set(current.label, next);
      }
      current = l === null ? null : { label: l, read: cpuMeter(serverPid, withPostgres), t0: performance.now() };
    },
    shares,
    all: () => new Map([...sums.keys()].flatMap((l) => (shares(l) ? [[l, shares(l)!] as const] : []))),
  };
}
