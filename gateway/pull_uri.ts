/**
 * The base of firmware pull URIs (issue 6; DESIGN.md §6 `--public-uri`): how a device reaches
 * this gateway. `--public-uri` wins; otherwise `coap://host:coapPort` with the bind address, or,
 * when bound to a wildcard address, the loopback address for a device on loopback and this
 * machine's host name for the others (set --public-uri when that name does not resolve).
 */

const WILDCARD = new Set(["::", "0.0.0.0", "", "[::]"]);

function isLoopbackPeer(peer: string): boolean {
  return peer.startsWith("127.") || peer.startsWith("[::1]") || peer.startsWith("::1");
}

function hostPart(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** A function from the device's peer address to the URI base, or null without a CoAP port. */
export function pullBaseUri(
  publicUri: string | null,
  host: string,
  coapPort: number | null,
  hostname: () => string,
): (peer: string) => string | null {
  return (peer) => {
    if (publicUri !== null) return publicUri.replace(/\/$/, "");
    if (coapPort === null) return null;
    if (!WILDCARD.has(host)) return `coap://${hostPart(host)}:${coapPort}`;
    const loopback = peer.startsWith("[") || peer.split(":").length > 2 ? "[::1]" : "127.0.0.1";
    return `coap://${isLoopbackPeer(peer) ? loopback : hostname()}:${coapPort}`;
  };
}
