/**
 * Enforces the layering of DESIGN.md §2 and §4 on the source text:
 *   - import direction codec-wasm <- gateway/coap <- gateway/lwm2m <- gateway/http: a layer never
 *     imports a layer above it; codec-wasm and objects/ import nothing from gateway/;
 *   - codec-wasm/ (except its inspect CLI) and objects/ use no `Deno.` API (browser-safe);
 *   - the sans-IO core (gateway/coap, gateway/lwm2m, gateway/dtls) reads no clock, arms no timer,
 *     draws no random number and touches no `Deno.` API; gateway/coap imports only codec-wasm/
 *     and itself, gateway/lwm2m nothing of the shell (top-level gateway/*.ts, transport/, http/),
 *     gateway/dtls only itself (no npm or node: module either: its crypto is its own).
 * Comments and string literals are blanked before matching, so documentation may name the APIs.
 */

import assert from "node:assert/strict";

const root = new URL("../", import.meta.url);
const rootPath = decodeURIComponent(root.pathname);

/** Source files under `dir` (relative to the repository root), skipping build output. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(rootPath + rel)];
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return; // a layer that does not exist yet
      throw e;
    }
    for (const e of entries) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory && e.name !== "node_modules" && e.name !== "build") walk(path);
      else if (e.isFile && /\.(ts|tsx|js|mjs)$/.test(e.name)) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Blanks comments, and with `strings` also the contents of string and template literals (the
 * code inside `${...}` stays). Keeps offsets. Regex literals are not recognised (none so far
 * holds a quote or a comment opener).
 */
function blank(src: string, strings: boolean): string {
  const out = src.split("");
  const stack: number[] = []; // brace depth at each open `${`
  let depth = 0;
  let i = 0;
  const wipe = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
  };
  const template = () => { // i is just past a backtick or a closing `}` of `${`
    const start = i;
    while (i < src.length && src[i] !== "`") {
      if (src[i] === "\\") i += 2;
      else if (src[i] === "$" && src[i + 1] === "{") {
        if (strings) wipe(start, i);
        stack.push(depth);
        i += 2;
        return;
      } else i++;
    }
    if (strings) wipe(start, i);
    i++;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      const stop = end < 0 ? src.length : end;
      wipe(i, stop);
      i = stop;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      wipe(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = ++i;
      while (i < src.length && src[i] !== c && src[i] !== "\n") i += src[i] === "\\" ? 2 : 1;
      if (strings) wipe(start, i);
      i++;
    } else if (c === "`") {
      i++;
      template();
    } else if (c === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      if (stack.length > 0 && stack[stack.length - 1] === depth) {
        stack.pop();
        i++;
        template();
      } else {
        depth--;
        i++;
      }
    } else i++;
  }
  return out.join("");
}

/** Static and dynamic import/export specifiers of a file's code (comments ignored). */
function importsOf(src: string): string[] {
  const code = blank(src, false);
  const re =
    /\b(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']|\bimport\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;
  return [...code.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Repository-relative path an import points at ("" for bare and npm: specifiers). */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return "";
  const url = new URL(specifier, new URL(file, root));
  return decodeURIComponent(url.pathname).slice(rootPath.length);
}

function violations(
  files: string[],
  rule: (file: string, code: string, src: string) => string[],
): string[] {
  return files.flatMap((file) => {
    const src = Deno.readTextFileSync(rootPath + file);
    return rule(file, blank(src, true), src).map((v) => `${file}: ${v}`);
  });
}

function forbiddenImports(prefixes: string[]) {
  return (file: string, _code: string, src: string) =>
    importsOf(src).filter((s) => prefixes.some((p) => target(file, s).startsWith(p)))
      .map((s) => `imports ${s}`);
}

function forbiddenApis(apis: RegExp[]) {
  return (_file: string, code: string) =>
    apis.filter((re) => re.test(code)).map((re) => `uses ${re.source}`);
}

const codecFiles = sourceFiles("codec-wasm");
const objectFiles = sourceFiles("objects");
const coreFiles = [
  ...sourceFiles("gateway/coap"),
  ...sourceFiles("gateway/lwm2m"),
  ...sourceFiles("gateway/dtls"),
];
const DENO = /\bDeno\s*\./;

Deno.test("the scanner sees the codec and blanks comments and strings only", () => {
  assert.ok(codecFiles.includes("codec-wasm/mod.ts"), "codec-wasm/mod.ts not found");
  const src = "// Deno.x\nconst a = `Deno.${Deno.pid}`; /* Date.now() */ f('Deno.y', \"x\");";
  const code = blank(src, true);
  assert.equal(code.length, src.length);
  assert.equal(code.match(/Deno/g)?.length, 1);
  assert.ok(code.includes("${Deno.pid}"));
  assert.deepEqual(
    importsOf('import a from "./a.ts";\n// import "./b.ts"\nawait import("./c.ts")'),
    [
      "./a.ts",
      "./c.ts",
    ],
  );
});

Deno.test("codec-wasm and objects/ import nothing from gateway/", () => {
  assert.deepEqual(
    violations([...codecFiles, ...objectFiles], forbiddenImports(["gateway/", "client/"])),
    [],
  );
});

Deno.test("codec-wasm (but its inspect CLI) and objects/ use no Deno. API", () => {
  // The CLI inspector and the DDF directory loader (for --objects) are shell code that reads files.
  const browserSafe = [...codecFiles, ...objectFiles].filter((f) =>
    f !== "codec-wasm/inspect.ts" && f !== "objects/ddf_dir.ts"
  );
  assert.deepEqual(violations(browserSafe, forbiddenApis([DENO])), []);
});

Deno.test("the sans-IO core uses no Deno., timers, clock or randomness", () => {
  const apis = [
    DENO,
    /\bsetTimeout\b/,
    /\bsetInterval\b/,
    /\bDate\.now\b/,
    /\bnew\s+Date\s*\(\s*\)/,
    /\bperformance\.now\b/,
    /\bMath\.random\b/,
    /\bcrypto\.(getRandomValues|randomUUID)\b/,
  ];
  assert.deepEqual(violations(coreFiles, forbiddenApis(apis)), []);
});

Deno.test("layers import only downwards: codec-wasm <- coap <- lwm2m <- http", () => {
  // The shell: top-level gateway/*.ts (main, engines, config, log), transports and HTTP.
  const shell = (t: string) => /^gateway\/[^/]+$/.test(t) || /^gateway\/(transport|http)\//.test(t);
  const coapRule = (file: string, _code: string, src: string) =>
    importsOf(src).filter((s) => {
      const t = target(file, s);
      return t !== "" && !t.startsWith("codec-wasm/") && !t.startsWith("gateway/coap/");
    }).map((s) => `imports ${s} (the CoAP core may import only codec-wasm/ and gateway/coap/)`);
  const lwm2mRule = (file: string, _code: string, src: string) =>
    importsOf(src).filter((s) => shell(target(file, s))).map((s) => `imports the shell: ${s}`);
  const dtlsRule = (file: string, _code: string, src: string) =>
    importsOf(src).filter((s) => !target(file, s).startsWith("gateway/dtls/"))
      .map((s) => `imports ${s} (the DTLS core may import only gateway/dtls/)`);
  assert.deepEqual(
    [
      ...violations(sourceFiles("gateway/coap"), coapRule),
      ...violations(sourceFiles("gateway/lwm2m"), lwm2mRule),
      ...violations(sourceFiles("gateway/dtls"), dtlsRule),
    ],
    [],
  );
});
