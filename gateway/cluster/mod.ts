/**
 * Entry point of the cluster layer (issue 10) for the gateway shell (gateway/gateway.ts): a node
 * whose store is Redis joins the cluster of every node on that Redis (and key prefix); with any
 * other store it runs alone and this returns null.
 */

import type { EventBus } from "../server/events.ts";
import { RedisStore } from "../store/redis.ts";
import type { Store } from "../store/store.ts";
import { ClusterNode, type ClusterOptions } from "./node.ts";

export type { ClusterOptions };
export { ClusterNode };

export async function joinCluster(
  store: Store,
  events: EventBus,
  options: ClusterOptions = {},
): Promise<ClusterNode | null> {
  if (!(store instanceof RedisStore)) return null;
  const node = new ClusterNode(store, events, options);
  await node.start();
  return node;
}
