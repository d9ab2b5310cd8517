/** base64url without padding (RFC 4648 §5) — the text form of every key and signature — and hex. */
import { base64urlnopad, hex as scureHex } from "@scure/base";

export const base64url = {
  encode: (bytes: Uint8Array): string => base64urlnopad.encode(bytes),
  /** Throws on anything but canonical unpadded base64url, so two strings never name one key. */
  decode: (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(base64urlnopad.decode(text)),
};

export const hex = {
  encode: (bytes: Uint8Array): string => scureHex.encode(bytes),
  decode: (text: string): Uint8Array => scureHex.decode(text),
};
