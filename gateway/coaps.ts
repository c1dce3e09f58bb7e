/**
 * Gateway assembly of CoAP over DTLS (issue 8; DESIGN.md §6 `--coaps-port`; docs/dtls.md): binds
 * the DTLS server transport (gateway/transport/dtls.ts) with PSKs looked up in the security store
 * (server and bootstrap credentials both, kept apart by role), sessions persisted in the Store, and
 * logs handshakes and session ends without keys. Shell code.
 */

import type { GatewayConfig } from "./config.ts";
import type { PskCandidate } from "./dtls/types.ts";
import type { Logger } from "./log.ts";
import type { SecurityStore } from "./server/credentials.ts";
import type { Store } from "./store/store.ts";
import {
  type DtlsTransport,
  type DtlsTransportOptions,
  startDtlsTransport,
} from "./transport/dtls.ts";

const td = new TextDecoder("utf-8", { fatal: true });

/** PSK identity (UTF-8, RFC 4279 §5.1) -> the keys provisioned for it, server role first. */
export function securityPskLookup(security: SecurityStore) {
  return (identity: Uint8Array): PskCandidate[] => {
    let name: string;
    try {
      name = td.decode(identity);
    } catch {
      return []; // not UTF-8: no such identity
    }
    const out: PskCandidate[] = [];
    for (const role of ["server", "bootstrap"] as const) {
      const found = security.psk(name, role);
      if (found) out.push({ key: found.key, endpoint: found.endpoint, role });
    }
    return out;
  };
}

/** Printable form of an identity for logs (identities are not secret; keys never appear). */
function printable(identity: Uint8Array): string {
  try {
    return JSON.stringify(td.decode(identity));
  } catch {
    return `0x${Array.from(identity, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }
}

export async function startCoaps(
  config: GatewayConfig,
  security: SecurityStore,
  store: Store,
  log: Logger,
  extra: Partial<DtlsTransportOptions> = {},
): Promise<DtlsTransport | null> {
  if (config.coapsPort === null) return null;
  const transport: DtlsTransport = await startDtlsTransport({
    host: config.host,
    port: config.coapsPort,
    psk: securityPskLookup(security),
    store,
    onError: (e) => log.error(`coaps socket: ${e}`),
    ...extra,
    onEvent: (e) => {
      extra.onEvent?.(e);
      if (e.kind === "failed") log.info(`dtls handshake from ${e.address} failed: ${e.reason}`);
      else if (e.kind === "established") {
        const info = e.peer ? transport.identityOf(e.peer) : undefined;
        log.debug(
          `dtls ${e.resumed ? "resumed" : "new"} session ${e.peer} from ${e.address}, identity ` +
            `${info ? printable(info.identity) : "?"} -> ${e.endpoint} (${info?.role})`,
        );
      } else if (e.kind === "addressChanged") log.debug(`dtls ${e.peer} moved to ${e.address}`);
      else log.debug(`dtls ${e.peer} closed: ${e.reason}`);
    },
  });
  if (transport.restored > 0) log.info(`restored ${transport.restored} DTLS sessions`);
  return transport;
}
