/**
 * LwM2M paths /O/I/R/RI (LwM2M Core §6.1: each id 0..65534, 65535 reserved) as a small value type
 * with parsing, formatting and prefix tests.
 */

export const MAX_ID = 65534;

export class Lwm2mPath {
  /** The ids from object down: [] is the root "/", [3,0,7,1] is /3/0/7/1. */
  readonly ids: readonly number[];

  constructor(ids: readonly number[]) {
    if (ids.length > 4) throw new RangeError("an LwM2M path has at most 4 levels");
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
        throw new RangeError(`bad LwM2M id ${id}`);
      }
    }
    this.ids = ids;
  }

  /** Parses "/3/0/7" (a trailing slash is tolerated); throws RangeError on anything else. */
  static parse(text: string): Lwm2mPath {
    if (text === "/" || text === "") return new Lwm2mPath([]);
    const segments = text.replace(/\/$/, "").split("/");
    if (segments[0] !== "") throw new RangeError(`path must start with /: ${text}`);
    const ids = segments.slice(1).map((s) => {
      if (!/^\d{1,5}$/.test(s)) throw new RangeError(`bad path segment "${s}" in ${text}`);
      return Number(s);
    });
    return new Lwm2mPath(ids);
  }

  get objectId(): number | undefined {
    return this.ids[0];
  }
  get instanceId(): number | undefined {
    return this.ids[1];
  }
  get resourceId(): number | undefined {
    return this.ids[2];
  }
  get resourceInstanceId(): number | undefined {
    return this.ids[3];
  }
  get level(): "root" | "object" | "instance" | "resource" | "resourceInstance" {
    return (["root", "object", "instance", "resource", "resourceInstance"] as const)[
      this.ids.length
    ];
  }

  child(id: number): Lwm2mPath {
    return new Lwm2mPath([...this.ids, id]);
  }

  /** True when `other` is this path or below it. */
  contains(other: Lwm2mPath): boolean {
    return this.ids.every((id, i) => other.ids[i] === id);
  }

  toString(): string {
    return "/" + this.ids.join("/");
  }
}
