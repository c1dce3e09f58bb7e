/**
 * Fleet groups (issue 6, DESIGN.md §6 /api/groups): a named list of endpoints or a glob pattern
 * (`*` any run of characters, `?` one character), kept in the Store namespace `group`. Members
 * are resolved at call time: the registered clients the list names or the pattern matches. The
 * glob helpers are pure; GroupStore is the shell around the Store.
 */

import type { Registration } from "../lwm2m/registration.ts";
import { NAMESPACES, type Store } from "../store/store.ts";

export type GroupDefinition = { endpoints: string[] } | { match: string };

export type Group = { name: string } & GroupDefinition;

/** What a group names at one moment. */
export interface Membership {
  /** Registered members, in list order (endpoints) or endpoint order (match). */
  members: string[];
  /** Listed endpoints that are not registered now (always empty for a pattern). */
  notRegistered: string[];
}

/** The part of the LwM2M server groups need (registered clients by name and in order). */
export interface ClientDirectory {
  get(endpoint: string): Registration | undefined;
  list(
    prefix?: string,
    limit?: number,
    cursor?: string,
  ): { registrations: Registration[]; nextCursor: string | null };
}

/** A RegExp matching exactly the names the glob matches (`*`, `?`; everything else literal). */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}

/** The literal text before the first wildcard: every match starts with it. */
export function literalPrefix(glob: string): string {
  const i = glob.search(/[*?]/);
  return i < 0 ? glob : glob.slice(0, i);
}

const PAGE = 10_000;

/** The registered clients a group names now. */
export function resolveMembers(directory: ClientDirectory, group: GroupDefinition): Membership {
  if ("endpoints" in group) {
    const members: string[] = [];
    const notRegistered: string[] = [];
    for (const ep of group.endpoints) (directory.get(ep) ? members : notRegistered).push(ep);
    return { members, notRegistered };
  }
  const re = globToRegExp(group.match);
  const prefix = literalPrefix(group.match);
  const members: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = directory.list(prefix, PAGE, cursor);
    for (const r of page.registrations) if (re.test(r.endpoint)) members.push(r.endpoint);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  return { members, notRegistered: [] };
}

/** Group definitions in the Store, keyed by name. */
export class GroupStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get(name: string): Promise<Group | undefined> {
    return this.#store.get<Group>(NAMESPACES.group, name);
  }

  async put(group: Group): Promise<void> {
    await this.#store.put(NAMESPACES.group, group.name, group);
  }

  async delete(name: string): Promise<void> {
    await this.#store.delete(NAMESPACES.group, name);
  }

  async list(): Promise<Group[]> {
    return (await this.#store.list<Group>(NAMESPACES.group)).map((e) => e.value);
  }
}
