/**
 * Reads a file dropped on the packet inspector: a libpcap capture (tcpdump -w; microsecond and
 * nanosecond magic, either byte order), a pcapng capture (Wireshark's default; Section Header,
 * Interface Description, Enhanced and Simple Packet blocks), hex text, or one raw datagram. From
 * captures it takes every UDP datagram over Ethernet (with 802.1Q tags), BSD loopback, Linux
 * cooked (SLL, SLL2) or raw IPv4/IPv6 links. Pure and browser-safe; malformed input ends the walk
 * with what was read so far and a note, never a throw.
 */

export interface CapturedDatagram {
  /** Position in the capture, from 1 (as Wireshark numbers frames). */
  frame: number;
  /** Capture time in milliseconds since 1970, when the file has one. */
  timeMs?: number;
  source?: string;
  destination?: string;
  bytes: Uint8Array;
}

export interface CaptureFile {
  kind: "pcap" | "pcapng" | "hex" | "raw";
  datagrams: CapturedDatagram[];
  /** Frames that were not UDP over IP (or were cut short). */
  skipped: number;
  note?: string;
}

/** Link-layer header types (tcpdump.org/linktypes.html). */
const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const IPPROTO_UDP = 17;
/** IPv6 extension headers skipped on the way to UDP (RFC 8200 §4). */
const IPV6_EXTENSIONS = new Set([0, 43, 60]);

function ipv4Text(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ipv6Text(b: Uint8Array, at: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[at + i] << 8) | b[at + i + 1]).toString(16));
  return `[${groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::")}]`;
}

/** The UDP datagram inside an IP packet, or null. */
function udpOfIp(b: Uint8Array): Omit<CapturedDatagram, "frame" | "timeMs"> | null {
  if (b.length < 1) return null;
  const version = b[0] >> 4;
  let at: number;
  let src: string;
  let dst: string;
  if (version === 4) {
    if (b.length < 20) return null;
    const fragmentOffset = ((b[6] & 0x1f) << 8) | b[7];
    if (b[9] !== IPPROTO_UDP || fragmentOffset !== 0) return null;
    at = (b[0] & 0x0f) * 4;
    src = ipv4Text(b, 12);
    dst = ipv4Text(b, 16);
  } else if (version === 6) {
    if (b.length < 40) return null;
    let next = b[6];
    at = 40;
    while (IPV6_EXTENSIONS.has(next) && at + 8 <= b.length) {
      next = b[at];
      at += (b[at + 1] + 1) * 8;
    }
    if (next !== IPPROTO_UDP) return null;
    src = ipv6Text(b, 8);
    dst = ipv6Text(b, 24);
  } else return null;
  if (at + 8 > b.length) return null;
  const sport = (b[at] << 8) | b[at + 1];
  const dport = (b[at + 2] << 8) | b[at + 3];
  const udpLength = (b[at + 4] << 8) | b[at + 5];
  const end = Math.min(b.length, udpLength >= 8 ? at + udpLength : b.length);
  return {
    source: `${src}:${sport}`,
    destination: `${dst}:${dport}`,
    bytes: b.slice(at + 8, end),
  };
}

/** The IP packet of a link-layer frame, or null. */
function ipOfFrame(linkType: number, f: Uint8Array): Uint8Array | null {
  const be16 = (at: number) => (f[at] << 8) | f[at + 1];
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      let at = 12;
      while (at + 2 <= f.length && be16(at) === ETHERTYPE_VLAN) at += 4;
      if (at + 2 > f.length) return null;
      const type = be16(at);
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? f.subarray(at + 2) : null;
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: // a 4-byte address family (host order for NULL, network order for LOOP)
      if (f.length < 4) return null;
      return f.subarray(4);
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return f;
    case LINKTYPE_LINUX_SLL:
      return f.length >= 16 && [ETHERTYPE_IPV4, ETHERTYPE_IPV6].includes(be16(14))
        ? f.subarray(16)
        : null;
    case LINKTYPE_LINUX_SLL2:
      return f.length >= 20 && [ETHERTYPE_IPV4, ETHERTYPE_IPV6].includes(be16(0))
        ? f.subarray(20)
        : null;
  }
  return null;
}

function pushFrame(
  out: CaptureFile,
  linkType: number,
  frame: Uint8Array,
  timeMs: number | undefined,
): void {
  const ip = ipOfFrame(linkType, frame);
  const udp = ip ? udpOfIp(ip) : null;
  if (!udp) {
    out.skipped++;
    return;
  }
  out.datagrams.push({ frame: out.datagrams.length + out.skipped + 1, timeMs, ...udp });
}

function readPcap(b: Uint8Array): CaptureFile {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = view.getUint32(0, false);
  const le = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const out: CaptureFile = { kind: "pcap", datagrams: [], skipped: 0 };
  if (b.length < 24) return { ...out, note: "truncated pcap header" };
  const linkType = view.getUint32(20, le) & 0x0fffffff;
  let at = 24;
  while (at + 16 <= b.length) {
    const sec = view.getUint32(at, le);
    const frac = view.getUint32(at + 4, le);
    const length = view.getUint32(at + 8, le);
    if (at + 16 + length > b.length) {
      out.note = `frame ${out.datagrams.length + out.skipped + 1} is cut short`;
      break;
    }
    const timeMs = sec * 1000 + (nanos ? frac / 1e6 : frac / 1e3);
    pushFrame(out, linkType, b.subarray(at + 16, at + 16 + length), timeMs);
    at += 16 + length;
  }
  return out;
}

function readPcapng(b: Uint8Array): CaptureFile {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: CaptureFile = { kind: "pcapng", datagrams: [], skipped: 0 };
  let le = true;
  let interfaces: number[] = [];
  let at = 0;
  while (at + 12 <= b.length) {
    const type = view.getUint32(at, le);
    if (type === 0x0a0d0d0a) { // Section Header Block: its byte-order magic sets the order
      le = view.getUint32(at + 8, true) === 0x1a2b3c4d;
      interfaces = [];
    }
    const length = view.getUint32(at + 4, le);
    if (length < 12 || length % 4 !== 0 || at + length > b.length) {
      out.note = `block at offset ${at} is malformed or cut short`;
      break;
    }
    if (type === 1) interfaces.push(view.getUint16(at + 8, le));
    else if (type === 6 && length >= 32) { // Enhanced Packet Block (timestamps in µs by default)
      const linkType = interfaces[view.getUint32(at + 8, le)] ?? -1;
      const ts = view.getUint32(at + 12, le) * 2 ** 32 + view.getUint32(at + 16, le);
      const captured = Math.min(view.getUint32(at + 20, le), length - 32);
      pushFrame(out, linkType, b.subarray(at + 28, at + 28 + captured), ts / 1000);
    } else if (type === 3 && length >= 16) { // Simple Packet Block: interface 0, no time
      const captured = Math.min(view.getUint32(at + 8, le), length - 16);
      pushFrame(out, interfaces[0] ?? -1, b.subarray(at + 12, at + 12 + captured), undefined);
    }
    at += length;
  }
  return out;
}

/** Hex text (spaces, colons, line breaks and a 0x prefix allowed) as bytes, or null. */
export function parseHexText(text: string): Uint8Array | null {
  const clean = text.trim().replace(/^0x/i, "").replace(/[\s:,]|0x/gi, "");
  if (clean.length === 0 || clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Reads a dropped file (see the module comment for what is recognised). */
export function parseCapture(bytes: Uint8Array): CaptureFile {
  if (bytes.length >= 4) {
    const magic = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
    if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(magic)) return readPcap(bytes);
    if (magic === 0x0a0d0d0a) return readPcapng(bytes);
  }
  const isText = bytes.length > 0 &&
    bytes.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127));
  const hex = isText ? parseHexText(new TextDecoder().decode(bytes)) : null;
  if (hex) return { kind: "hex", datagrams: [{ frame: 1, bytes: hex }], skipped: 0 };
  return { kind: "raw", datagrams: [{ frame: 1, bytes: bytes.slice() }], skipped: 0 };
}
