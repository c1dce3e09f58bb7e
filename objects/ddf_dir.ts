/**
 * Loads every OMA DDF file (*.xml) of a directory for the gateway's `--objects DIR` flag
 * (DESIGN.md §6), through parseDdf (objects/ddf.ts, LwM2M Core §7.2). A file that cannot be read
 * or parsed is reported in `errors` and the others still load. Uses the Deno file API: for the
 * shell (gateway/main.ts), not browser-safe, unlike the rest of objects/.
 */

import { parseDdf } from "./ddf.ts";
import type { ObjectModel } from "./model.ts";

/** A file that gave no models: its path relative to the directory, and why. */
export interface DdfLoadError {
  file: string;
  message: string;
}

export interface DdfDirectoryOptions {
  /** Also load the *.xml files of subdirectories (e.g. a registry's version_history/). */
  recursive?: boolean;
  /** Larger files are reported as errors, not read (default 8 MiB; registry DDFs are < 100 KiB). */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Parses each *.xml file of `dir` (in name order) into object models. Throws only when `dir`
 * itself cannot be listed; every per-file problem becomes an entry of `errors`.
 */
export async function loadDdfDirectory(
  dir: string | URL,
  options: DdfDirectoryOptions = {},
): Promise<{ models: ObjectModel[]; errors: DdfLoadError[] }> {
  const root = typeof dir === "string" ? dir : decodeURIComponent(dir.pathname);
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const models: ObjectModel[] = [];
  const errors: DdfLoadError[] = [];
  let files: string[];
  try {
    files = await listXmlFiles(root, "", options.recursive ?? false, errors);
  } catch (e) {
    throw new Error(`cannot read the DDF directory ${root}: ${message(e)}`);
  }
  for (const file of files) {
    const path = `${root.replace(/\/+$/, "")}/${file}`;
    try {
      const { size } = await Deno.stat(path);
      if (size > maxBytes) {
        errors.push({ file, message: `${file}: ${size} bytes, more than the ${maxBytes} allowed` });
        continue;
      }
      models.push(...parseDdf(await Deno.readTextFile(path), file));
    } catch (e) {
      const text = message(e);
      errors.push({ file, message: text.startsWith(`${file}: `) ? text : `${file}: ${text}` });
    }
  }
  return { models, errors };
}

/**
 * Relative paths of the *.xml files under `root`/`rel`, sorted. The root must be listable; an
 * unreadable subdirectory is reported in `errors` and skipped.
 */
async function listXmlFiles(
  root: string,
  rel: string,
  recursive: boolean,
  errors: DdfLoadError[],
): Promise<string[]> {
  const out: string[] = [];
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(rel ? `${root}/${rel}` : root)) entries.push(entry);
  } catch (e) {
    if (!rel) throw e;
    errors.push({ file: rel, message: `${rel}: cannot read the directory: ${message(e)}` });
    return out;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory) {
      if (recursive) out.push(...await listXmlFiles(root, path, true, errors));
    } else if (/\.xml$/i.test(entry.name)) out.push(path);
  }
  return out;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
