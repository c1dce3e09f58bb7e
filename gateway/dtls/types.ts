/**
 * Shared types of the sans-IO DTLS 1.2 core (gateway/dtls, RFC 6347): the effects the core asks
 * its shell to perform, the PSK lookup it is given, the per-connection state (record layer,
 * session, handshake) and the timing and limit settings with their defaults. No I/O, clock or
 * randomness here: the shell passes `nowMs` and a random source in (DESIGN.md §2).
 */

import type { RecordCipher } from "./cipher.ts";
import type { CipherSuite } from "./constants.ts";
import type { ClientHello } from "./messages.ts";
import type { DtlsRecord } from "./record.ts";
import type { ReplayWindow } from "./replay.ts";
import type { Sha256 } from "./sha256.ts";

/** What the core asks the shell to do, in order. Addresses and sessions are opaque strings. */
export type DtlsEffect =
  | { kind: "send"; address: string; data: Uint8Array }
  /** Decrypted application data of an established session. */
  | { kind: "deliver"; session: string; data: Uint8Array }
  | { kind: "established"; session: string; resumed: boolean }
  /** An established session ended (close_notify, fatal alert, idle, superseded, shutdown). */
  | { kind: "closed"; session: string; reason: string }
  /** A handshake in progress was abandoned. */
  | { kind: "failed"; address: string; reason: string }
  /** RFC 9146 §6: a CID record authenticated from a new address (newest sequence number). */
  | { kind: "addressChanged"; session: string; address: string }
  /** Persist the session with write sequence numbers reserved below `upTo`, then confirm. */
  | { kind: "reserve"; session: string; upTo: number };

export type CredentialRole = "server" | "bootstrap";

/** One key a PSK identity may use; an identity provisioned for both roles has two. */
export interface PskCandidate {
  key: Uint8Array;
  endpoint: string;
  role: CredentialRole;
}

/** The server's key lookup (the security store): undefined or [] = unknown identity. */
export type PskLookup = (identity: Uint8Array) => PskCandidate | PskCandidate[] | undefined;

/** RFC 6347 §4.2.4.1 timers and our limits. */
export interface DtlsTiming {
  /** Initial retransmission timeout (1 s). */
  initialRetransmitMs: number;
  /** Upper bound of the doubling timeout (60 s). */
  maxRetransmitMs: number;
  /** Retransmissions of one flight before the handshake is abandoned. */
  maxRetransmits: number;
  /** How long a finished handshake keeps its last flight for the peer's retransmissions. */
  lingerMs: number;
}

export const DEFAULT_TIMING: DtlsTiming = {
  initialRetransmitMs: 1000,
  maxRetransmitMs: 60_000,
  maxRetransmits: 6,
  lingerMs: 30_000,
};

export type Phase = "handshake" | "established" | "closed";

export type FlightEntry = { kind: "ccs" } | {
  kind: "handshake";
  epoch: number;
  message: Uint8Array;
};

/** A message being reassembled from fragments (RFC 6347 §4.2.3). */
export interface PartialMessage {
  type: number;
  epoch: number;
  body: Uint8Array;
  /** Byte ranges received so far, as a count (fragments may overlap; tracked per byte). */
  have: Uint8Array;
  missing: number;
}

export interface HandshakeState {
  step: string;
  /** Hash of every handshake message so far (RFC 5246 §7.4.9, headers unfragmented). */
  transcript: Sha256;
  /** Our last flight, re-encoded with fresh sequence numbers on each retransmission. */
  flight: FlightEntry[] | null;
  /** Retransmission deadline of `flight` (Infinity for a final flight: it waits for the peer). */
  deadlineMs: number;
  timeoutMs: number;
  retransmits: number;
  /** When the handshake state may be freed once established. */
  lingerUntilMs: number;
  partial: Map<number, PartialMessage>;
  /** Records of the next epoch that arrived before the ChangeCipherSpec. */
  future: DtlsRecord[];
  resumed: boolean;
  /** Server side. */
  clientHello: ClientHello | null;
  candidates: PskCandidate[];
  candidate: number;
  /** Client side: the cookie from a HelloVerifyRequest, the session offered for resumption. */
  cookie: Uint8Array;
  /** Encoded ClientHello body without cookie fields recomputed (client resends it). */
  offered: ResumableSession | null;
  clientSessionId: Uint8Array;
  /** Server side: RFC 7627 session hash (transcript through ClientKeyExchange). */
  sessionHash: Uint8Array | null;
  /** Server side: an established connection at the same address this handshake replaces. */
  displaced: Conn | null;
}

/** What resumption (RFC 5246 §7.3 abbreviated handshake) needs of a finished session. */
export interface ResumableSession {
  sessionId: Uint8Array;
  master: Uint8Array;
  suite: CipherSuite;
  ems: boolean;
  identity: Uint8Array;
}

/** A server's resumption cache entry: the session and the credential it was made with. */
export interface CachedSession extends ResumableSession {
  endpoint: string;
  role: CredentialRole;
  /** SHA-256 of the PSK (hex): resumption is refused once the key changed. */
  keyHash: string;
}

export interface Conn {
  readonly role: "server" | "client";
  address: string;
  phase: Phase;
  /** Hex of the session id: the stable key the shell knows the session by. */
  session: string;
  sessionId: Uint8Array;
  suite: CipherSuite;
  master: Uint8Array | null;
  clientRandom: Uint8Array;
  serverRandom: Uint8Array;
  ems: boolean;
  identity: Uint8Array;
  endpoint: string | null;
  credentialRole: CredentialRole | null;
  /** Server side: SHA-256 (hex) of the PSK the session was made with. */
  keyHash: string;
  readEpoch: number;
  writeEpoch: number;
  readCipher: RecordCipher | null;
  writeCipher: RecordCipher | null;
  pendingRead: RecordCipher | null;
  pendingWrite: RecordCipher | null;
  /** Next write sequence number of epoch 0 and of epoch 1. */
  seq0: number;
  seq1: number;
  replay0: ReplayWindow;
  replay1: ReplayWindow;
  /** Epoch-1 write sequence numbers below this are durably reserved (persistence). */
  reservedUpTo: number;
  requestedUpTo: number;
  /** The CID we receive (ours), and the one we put on records we send (the peer's). */
  ownCid: Uint8Array | null;
  peerCid: Uint8Array | null;
  recvMsgSeq: number;
  sendMsgSeq: number;
  lastActivityMs: number;
  hs: HandshakeState | null;
  /** Application data waiting for a sequence reservation or (client) the handshake. */
  queue: Uint8Array[];
  queuedBytes: number;
}
