/**
 * Summarises a V8 heap snapshot of the gateway for the LwM2M memory benchmark (issue 4): self size
 * by kind of object, divided by the number of registrations, to show what one registration costs
 * and where. Plain objects are told apart by their property names (a Registration, an object link,
 * a PeerState, a deadline ... all have the constructor "Object"); strings by what they hold
 * (endpoint names, registration ids, peer addresses, link paths, JSON documents).
 *   bin/deno run --allow-read bench/lwm2m/heap_summary.ts BEFORE.heapsnapshot AFTER.heapsnapshot
 *     REGISTRATIONS [TOP]
 * Each group's growth from BEFORE (the idle gateway) to AFTER (with REGISTRATIONS more clients),
 * so code, sources and other baseline objects drop out. Run by bench/lwm2m/run.ts --heap-snapshot.
 */

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function classifyString(s: string): string {
  if (/^[a-z]+-\d{6}$/.test(s)) return "string: endpoint name";
  if (/^[0-9a-f]{20}$/.test(s)) return "string: registration id (hex)";
  if (/^127\.\d+\.\d+\.\d+(:\d+)?$/.test(s)) return "string: peer address";
  if (/^\/\d+(\/\d+)*$/.test(s)) return "string: object link path";
  if (s.startsWith("{") || s.startsWith("[")) return "string: JSON document";
  if (s.charCodeAt(0) === 0 || s.includes("\u0000")) return "string: store sort key";
  return "string: other";
}

export function summarizeHeap(snap: Snapshot): Map<string, { count: number; bytes: number }> {
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nType = meta.node_fields.indexOf("type");
  const nName = meta.node_fields.indexOf("name");
  const nSize = meta.node_fields.indexOf("self_size");
  const nEdges = meta.node_fields.indexOf("edge_count");
  const eType = meta.edge_fields.indexOf("type");
  const eName = meta.edge_fields.indexOf("name_or_index");
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const propertyEdge = edgeTypes.indexOf("property");
  const groups = new Map<string, { count: number; bytes: number }>();
  const add = (key: string, bytes: number) => {
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.bytes += bytes;
    } else groups.set(key, { count: 1, bytes });
  };
  let edgeAt = 0;
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const type = nodeTypes[snap.nodes[i + nType]];
    const name = snap.strings[snap.nodes[i + nName]];
    const size = snap.nodes[i + nSize];
    const edgeCount = snap.nodes[i + nEdges];
    if (type === "object" && name === "Object") {
      const props: string[] = [];
      for (let e = edgeAt; e < edgeAt + edgeCount * ef; e += ef) {
        if (snap.edges[e + eType] === propertyEdge) {
          props.push(snap.strings[snap.edges[e + eName]]);
        }
      }
      const shown = props.slice(0, 5).join(",") + (props.length > 5 ? ",..." : "");
      add(`Object {${shown}}`, size);
    } else if (type === "string" || type === "concatenated string" || type === "sliced string") {
      add(classifyString(name), size);
    } else add(`${type}: ${name.length > 60 ? name.slice(0, 57) + "..." : name}`, size);
    edgeAt += edgeCount * ef;
  }
  return groups;
}

async function load(file: string): Promise<Map<string, { count: number; bytes: number }>> {
  return summarizeHeap(JSON.parse(await Deno.readTextFile(file)) as Snapshot);
}

if (import.meta.main) {
  const [before, after, countText, topText] = Deno.args;
  if (!before || !after || !countText) {
    console.error(
      "usage: heap_summary.ts BEFORE.heapsnapshot AFTER.heapsnapshot REGISTRATIONS [TOP]",
    );
    Deno.exit(2);
  }
  const count = Number(countText);
  const top = Number(topText ?? 30);
  const a = await load(before);
  const b = await load(after);
  const growth = [...b].map(([key, g]) => {
    const base = a.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: g.count - base.count, bytes: g.bytes - base.bytes };
  }).sort((x, y) => y.bytes - x.bytes);
  const total = growth.reduce((sum, g) => sum + g.bytes, 0);
  console.log(
    `heap growth for ${count} registrations: ${(total / 1e6).toFixed(1)} MB self size, ` +
      `${(total / count).toFixed(0)} B per registration\n`,
  );
  console.log("   B/reg   objects/reg   MB       group");
  for (const g of growth.slice(0, top)) {
    console.log(
      `${(g.bytes / count).toFixed(0).padStart(8)}  ${(g.count / count).toFixed(2).padStart(12)}  ${
        (g.bytes / 1e6).toFixed(2).padStart(7)
      }  ${g.key}`,
    );
  }
}
