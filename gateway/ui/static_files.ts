/**
 * The dashboard's static files (gateway/ui/static/: HTML pages, plain ES modules, CSS, the
 * committed codec bundles and the codec.wasm link) read once into memory and answered with a
 * content type, a strong ETag (If-None-Match gives 304) and `cache-control: no-cache`, so a
 * browser revalidates instead of running stale code after an upgrade. Only files found under the
 * directory are served: a request path is a key of that map, never joined onto a file path.
 */

/** File extension to media type (WHATWG MIME sniffing is off: `x-content-type-options`). */
const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".md": "text/markdown; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticFile {
  readonly bytes: Uint8Array;
  readonly type: string;
  readonly etag: string;
}

/** The directory of the files, beside this module. */
export const STATIC_DIR = new URL("./static/", import.meta.url);

function typeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return TYPES[dot < 0 ? "" : name.slice(dot)] ?? "application/octet-stream";
}

/** FNV-1a (32 bits) over the bytes, with the length: enough to tell versions of a file apart. */
function etagOf(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return `"${bytes.length.toString(36)}-${(h >>> 0).toString(36)}"`;
}

/** Reads every file under `dir` (following symbolic links) into a map by "/relative/path". */
export async function loadStaticFiles(dir: URL = STATIC_DIR): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  const walk = async (rel: string) => {
    for await (const entry of Deno.readDir(new URL(`.${rel}`, dir))) {
      const path = `${rel}${entry.name}`;
      const info = entry.isSymlink ? await Deno.stat(new URL(`.${path}`, dir)) : entry;
      if (info.isDirectory) await walk(`${path}/`);
      else if (info.isFile) {
        const bytes = await Deno.readFile(new URL(`.${path}`, dir));
        files.set(path, { bytes, type: typeOf(entry.name), etag: etagOf(bytes) });
      }
    }
  };
  await walk("/");
  return files;
}

/** The answer for one file: 304 when the browser's copy is current, else the bytes. */
export function fileResponse(
  file: StaticFile,
  ifNoneMatch: string | undefined,
  extraHeaders: Record<string, string> = {},
): Response {
  const headers = {
    "content-type": file.type,
    "etag": file.etag,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    ...extraHeaders,
  };
  if (ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(file.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(file.bytes as BodyInit, { status: 200, headers });
}
