/**
 * Summarises a V8 .cpuprofile (as written by `deno run --cpu-prof`) for the CoAP round-trip
 * benchmark (issue 3): the functions with the most self time and the most total (inclusive) time,
 * each with its share of the samples and its source location relative to the repository.
 * Used by bench/coap_rtt/run.ts --profile; also runnable by hand:
 *   bin/deno run --allow-read bench/coap_rtt/profile_top.ts FILE.cpuprofile [TOP]
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  name: string;
  location: string;
  selfMs: number;
  selfShare: number;
  totalMs: number;
  totalShare: number;
}

export interface ProfileSummary {
  sampledMs: number;
  samples: number;
  /** Share of samples in which the process was idle (waiting in the event loop). */
  idleShare: number;
  functions: FunctionTime[];
  /** Self time summed by where it is spent: a repository folder, the runtime, ops, GC. */
  groups: { group: string; selfMs: number; selfShare: number }[];
}

/** The bucket of a function for the by-area summary. */
function groupOf(f: { name: string; location: string }): string {
  if (!f.location) {
    if (f.name.startsWith("op_")) return "runtime ops (Rust, incl. syscalls)";
    return f.name.startsWith("(") ? f.name : "native"; // (idle), (garbage collector), (program)
  }
  if (!/^(gateway|codec-wasm|bench|objects)\//.test(f.location)) return "runtime JS";
  const path = f.location.replace(/:\d+$/, "");
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : path;
  return dir === "gateway/" ? path : dir;
}

const root = new URL("../../", import.meta.url).href;

function label(frame: CallFrame): { name: string; location: string } {
  const name = frame.functionName || "(anonymous)";
  let url = frame.url;
  if (url.startsWith(root)) url = url.slice(root.length);
  else if (url.startsWith("ext:")) url = url.replace(/^ext:/, "");
  const location = url ? `${url}:${frame.lineNumber + 1}` : "";
  return { name, location };
}

export function summarize(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const keyOf = new Map<number, string>();
  const info = new Map<string, { name: string; location: string; self: number; total: number }>();
  for (const n of profile.nodes) {
    const l = label(n.callFrame);
    const key = `${l.name}@${l.location}`;
    keyOf.set(n.id, key);
    if (!info.has(key)) info.set(key, { ...l, self: 0, total: 0 });
  }
  let sampled = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the following delta to sample i.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (dt <= 0) continue;
    sampled += dt;
    const id = profile.samples[i];
    const key = keyOf.get(id)!;
    const entry = info.get(key)!;
    entry.self += dt;
    if (entry.name === "(idle)") idle += dt;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const k = keyOf.get(at)!;
      if (seen.has(k)) continue;
      seen.add(k);
      info.get(k)!.total += dt;
    }
  }
  const functions = [...info.values()]
    .filter((f) => f.name !== "(root)")
    .map((f) => ({
      name: f.name,
      location: f.location,
      selfMs: f.self,
      selfShare: sampled ? f.self / sampled : 0,
      totalMs: f.total,
      totalShare: sampled ? f.total / sampled : 0,
    }));
  const groups = new Map<string, number>();
  for (const f of functions) groups.set(groupOf(f), (groups.get(groupOf(f)) ?? 0) + f.selfMs);
  return {
    sampledMs: sampled,
    samples: profile.samples.length,
    idleShare: sampled ? idle / sampled : 0,
    functions,
    groups: [...groups]
      .map(([group, selfMs]) => ({ group, selfMs, selfShare: sampled ? selfMs / sampled : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** Text tables of the top `top` functions by self time and by total time. */
export function formatSummary(s: ProfileSummary, top = 25): string {
  const pct = (x: number) => `${(100 * x).toFixed(1).padStart(5)}%`;
  const lines = [
    `${s.samples} samples over ${(s.sampledMs / 1000).toFixed(2)} s; idle ${
      pct(s.idleShare).trim()
    }`,
    "",
    "self time by area:",
    ...s.groups.map((g) => `  ${pct(g.selfShare)}  ${g.group}`),
    "",
    `top ${top} by self time:`,
  ];
  const row = (f: FunctionTime, share: number) =>
    `  ${pct(share)}  ${f.name.slice(0, 40).padEnd(40)}  ${f.location}`;
  for (const f of [...s.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) {
    lines.push(row(f, f.selfShare));
  }
  lines.push("", `top ${top} by total (inclusive) time:`);
  for (const f of [...s.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) {
    lines.push(row(f, f.totalShare));
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const [file, top] = Deno.args;
  if (!file) {
    console.error("usage: profile_top.ts FILE.cpuprofile [TOP]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
  console.log(formatSummary(summarize(profile), Number(top ?? 25)));
}
