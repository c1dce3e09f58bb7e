/**
 * Access Control (object 2) on the client side (LwM2M Core §7.3 Access Control and Appendix E.3;
 * spec digest lwm2m-interfaces.md §7): enforced only when more than one LwM2M Server account
 * exists. Rights of a server on an object instance come from the ACL instance naming it: its own
 * ACL entry, else the default entry (instance 0), else full rights for the owner, else none; no
 * ACL instance means no access. Create needs C on the object-level ACL instance (instance id
 * 65535). Pure functions over the store.
 */

import type { ObjectStore } from "./store.ts";

export const ACL_OBJECT = 2;
export const RIGHT_READ = 1;
export const RIGHT_WRITE = 2;
export const RIGHT_EXECUTE = 4;
export const RIGHT_DELETE = 8;
export const RIGHT_CREATE = 16;
/** The rights an owner has without an ACL entry of its own. */
export const OWNER_RIGHTS = RIGHT_READ | RIGHT_WRITE | RIGHT_EXECUTE | RIGHT_DELETE;
/** /2/x/1 = 65535 marks an object-level ACL instance; /2/x/3 = 65535: bootstrap-managed. */
export const OBJECT_LEVEL = 65535;

const RES_OBJECT_ID = 0;
const RES_INSTANCE_ID = 1;
const RES_ACL = 2;
const RES_OWNER = 3;

/** Server accounts (/1 instances) decide whether access control applies (> 1). */
export function aclEnforced(store: ObjectStore): boolean {
  return store.instanceIds(1).length > 1;
}

/** The ACL instance id governing /o/i (i = OBJECT_LEVEL for the object level), if any. */
export function aclInstanceFor(store: ObjectStore, o: number, i: number): number | undefined {
  for (const x of store.instanceIds(ACL_OBJECT)) {
    if (
      store.get(ACL_OBJECT, x, RES_OBJECT_ID) === o &&
      store.get(ACL_OBJECT, x, RES_INSTANCE_ID) === i
    ) {
      return x;
    }
  }
  return undefined;
}

/** Rights (bit set) of server `ssid` on /o/i. */
export function rightsOn(store: ObjectStore, ssid: number, o: number, i: number): number {
  const x = aclInstanceFor(store, o, i);
  if (x === undefined) return 0;
  const acl = store.get(ACL_OBJECT, x, RES_ACL);
  if (acl instanceof Map) {
    const own = acl.get(ssid);
    if (typeof own === "number") return own;
    const fallback = acl.get(0);
    if (typeof fallback === "number" && store.get(ACL_OBJECT, x, RES_OWNER) !== ssid) {
      return fallback;
    }
  }
  return store.get(ACL_OBJECT, x, RES_OWNER) === ssid ? OWNER_RIGHTS : 0;
}

export type AccessKind = "read" | "write" | "execute" | "delete" | "create";

const BIT: Record<AccessKind, number> = {
  read: RIGHT_READ,
  write: RIGHT_WRITE,
  execute: RIGHT_EXECUTE,
  delete: RIGHT_DELETE,
  create: RIGHT_CREATE,
};

/**
 * May server `ssid` do `kind` on /o/i (or, for create, on object o)? Always true when access
 * control is not enforced or for local/bootstrap access (ssid null). ACL instances themselves
 * are readable by every server and changed only by their owner.
 */
export function allowed(
  store: ObjectStore,
  ssid: number | null,
  kind: AccessKind,
  o: number,
  i?: number,
): boolean {
  if (ssid === null || !aclEnforced(store)) return true;
  if (o === ACL_OBJECT) {
    if (kind === "read") return true;
    if (kind === "create") return false;
    return i !== undefined && store.get(ACL_OBJECT, i, RES_OWNER) === ssid;
  }
  if (kind === "create") return (rightsOn(store, ssid, o, OBJECT_LEVEL) & RIGHT_CREATE) !== 0;
  if (i === undefined) return false;
  return (rightsOn(store, ssid, o, i) & BIT[kind]) !== 0;
}

/** Creates the ACL instance of a new /o/i owned by the creating server (§3.5). */
export function addAclInstance(store: ObjectStore, o: number, i: number, owner: number): number {
  const used = new Set(store.instanceIds(ACL_OBJECT));
  let x = 0;
  while (used.has(x)) x++;
  store.createInstance(ACL_OBJECT, x, [
    [RES_OBJECT_ID, o],
    [RES_INSTANCE_ID, i],
    [RES_ACL, new Map([[owner, OWNER_RIGHTS]])],
    [RES_OWNER, owner],
  ]);
  return x;
}

/** Removes the ACL instance of a deleted /o/i. */
export function removeAclInstance(store: ObjectStore, o: number, i: number): void {
  const x = aclInstanceFor(store, o, i);
  if (x !== undefined) store.deleteInstance(ACL_OBJECT, x);
}
