/**
 * DTLS 1.2 protocol constants (RFC 6347, RFC 5246, RFC 4279, RFC 6655, RFC 9146, RFC 7627,
 * RFC 5746): content types, handshake message types, alert codes, cipher suites, extension
 * numbers and the sizes the record layer and handshake rely on. Part of the sans-IO DTLS core
 * (gateway/dtls), see docs/dtls.md.
 */

/** RFC 5246 §6.2.1 ContentType, plus RFC 9146 §4 tls12_cid. */
export const CONTENT_CHANGE_CIPHER_SPEC = 20;
export const CONTENT_ALERT = 21;
export const CONTENT_HANDSHAKE = 22;
export const CONTENT_APPLICATION_DATA = 23;
export const CONTENT_TLS12_CID = 25;

/** RFC 6347 §4.2.2 / RFC 5246 §7.4 HandshakeType. */
export const HS_HELLO_REQUEST = 0;
export const HS_CLIENT_HELLO = 1;
export const HS_SERVER_HELLO = 2;
export const HS_HELLO_VERIFY_REQUEST = 3;
export const HS_SERVER_KEY_EXCHANGE = 12;
export const HS_SERVER_HELLO_DONE = 14;
export const HS_CLIENT_KEY_EXCHANGE = 16;
export const HS_FINISHED = 20;

/** RFC 5246 §7.2 AlertLevel and AlertDescription (RFC 4279 §2 unknown_psk_identity). */
export const ALERT_WARNING = 1;
export const ALERT_FATAL = 2;
export const ALERT_CLOSE_NOTIFY = 0;
export const ALERT_UNEXPECTED_MESSAGE = 10;
export const ALERT_BAD_RECORD_MAC = 20;
export const ALERT_HANDSHAKE_FAILURE = 40;
export const ALERT_ILLEGAL_PARAMETER = 47;
export const ALERT_DECODE_ERROR = 50;
export const ALERT_DECRYPT_ERROR = 51;
export const ALERT_PROTOCOL_VERSION = 70;
export const ALERT_INTERNAL_ERROR = 80;
export const ALERT_NO_RENEGOTIATION = 100;
export const ALERT_UNKNOWN_PSK_IDENTITY = 115;

/** RFC 6347 §4.1: DTLS 1.2 is {254, 253}, DTLS 1.0 {254, 255} on the wire. */
export const DTLS_1_2 = 0xfefd;
export const DTLS_1_0 = 0xfeff;

/** RFC 6655 §3 TLS_PSK_WITH_AES_128_CCM_8 and RFC 5487 §3.1 TLS_PSK_WITH_AES_128_CBC_SHA256. */
export const TLS_PSK_WITH_AES_128_CCM_8 = 0xc0a8;
export const TLS_PSK_WITH_AES_128_CBC_SHA256 = 0x00ae;
/** RFC 5746 §3.3 TLS_EMPTY_RENEGOTIATION_INFO_SCSV. */
export const TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export type CipherSuite =
  | typeof TLS_PSK_WITH_AES_128_CCM_8
  | typeof TLS_PSK_WITH_AES_128_CBC_SHA256;
/** Server preference: CCM_8 first (LwM2M Transport §5.2.8, security.md §2). */
export const SUPPORTED_SUITES: readonly CipherSuite[] = [
  TLS_PSK_WITH_AES_128_CCM_8,
  TLS_PSK_WITH_AES_128_CBC_SHA256,
];

/** Extension numbers (IANA TLS ExtensionType). */
export const EXT_EXTENDED_MASTER_SECRET = 23; // RFC 7627
export const EXT_ENCRYPT_THEN_MAC = 22; // RFC 7366 (never echoed: MAC-then-encrypt is used)
export const EXT_CONNECTION_ID = 54; // RFC 9146 §3
export const EXT_RENEGOTIATION_INFO = 0xff01; // RFC 5746

/** RFC 6347 §4.1 record header: type 1, version 2, epoch 2, sequence 6, length 2. */
export const RECORD_HEADER_LENGTH = 13;
/** RFC 6347 §4.2.2 handshake header: type 1, length 3, message_seq 2, offset 3, length 3. */
export const HANDSHAKE_HEADER_LENGTH = 12;
/** RFC 5246 §7.4.9: verify_data is 12 bytes for every suite we use. */
export const VERIFY_DATA_LENGTH = 12;
/** RFC 5246 §7.4.1.2 Random. */
export const RANDOM_LENGTH = 32;
/** RFC 6347 §4.1.2.5: the largest sequence number (48 bits). */
export const MAX_SEQUENCE = 2 ** 48 - 1;
/** RFC 6347 §4.2.1: cookies are at most 255 bytes in DTLS 1.2. */
export const MAX_COOKIE_LENGTH = 255;
/** RFC 5246 §6.2.1: a record's plaintext is at most 2^14 bytes. */
export const MAX_PLAINTEXT = 16384;
