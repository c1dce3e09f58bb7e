/**
 * `--security-file FILE` (DESIGN.md §6 CLI): a JSON array of /api/security bodies, each with its
 * `endpoint`, loaded into the security store at start. Validation messages name the entry and the
 * field, never a key. Shell code: it reads the file.
 */

import { z } from "zod";
import { IdentityConflictError, type SecurityStore } from "./server/credentials.ts";
import { credentialOf, securityFileEntry } from "./http/security.ts";

/** Loads the file into `security`; returns how many entries it held. Throws on any bad entry. */
export async function loadSecurityFile(path: string, security: SecurityStore): Promise<number> {
  const where = `--security-file ${path}`;
  let json: unknown;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    const reason = e instanceof SyntaxError ? "not valid JSON" : (e as Error).message;
    throw new Error(`${where}: ${reason}`);
  }
  const parsed = z.array(securityFileEntry).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length > 0 ? `[${issue.path.join("].")}` : "the top level";
    throw new Error(`${where}: ${at.replace(/^\[(\d+)\]\.?/, "entry $1 ")}: ${issue.message}`);
  }
  for (const [i, entry] of parsed.data.entries()) {
    try {
      await security.put(entry.endpoint, credentialOf(entry));
    } catch (e) {
      if (e instanceof IdentityConflictError) {
        throw new Error(`${where}: entry ${i} (endpoint "${entry.endpoint}"): ${e.message}`);
      }
      throw e;
    }
  }
  return parsed.data.length;
}
