/**
 * Ed25519 inputs on which verifiers are known to disagree, with the one answer every QuickPay verify
 * path must give (crypto.ts `strictEd25519` and the cofactorless equation: libsodium's answers).
 * Replayed by crypto.test.ts (WebCrypto and noble), node-crypto.test.ts (libsodium) and
 * node-verify-pool.test.ts (libsodium on worker threads). All hex.
 *
 * Cases 0–11 are the published vectors of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko,
 * SSR 2020; the ed25519-speccheck repository's cases.txt): small-order and mixed-order A and R,
 * signatures that hold only with the cofactor, S ≥ L, and non-canonical R and A. The rest are ours.
 */
import { fromHex } from "../crypto";
import { b64, rfc8032 } from "./rfc8032";

export interface DegenerateVector {
  name: string;
  public: string;
  message: string;
  signature: string;
  /** What every QuickPay verifier answers. */
  valid: boolean;
}

const IDENTITY = "0100000000000000000000000000000000000000000000000000000000000000";
const ZERO_32 = "0000000000000000000000000000000000000000000000000000000000000000";

/** S + L, little-endian hex (S < L, so the sum still fits in 32 bytes). */
function addOrder(sHex: string): string {
  const le = (h: string) => BigInt(`0x${h.match(/../g)!.reverse().join("")}`);
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const sum = (le(sHex) + L).toString(16).padStart(64, "0");
  return sum.match(/../g)!.reverse().join("");
}

const rfc1 = rfc8032[0]!;

export const ed25519Degenerate: DegenerateVector[] = [
  {
    name: "0: S = 0, A and R of small order (the equation holds both ways)",
    message: "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
    public: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    signature: `c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a${ZERO_32}`,
    valid: false,
  },
  {
    name: "1: A of small order, R mixed order (holds both ways)",
    message: "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
    public: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    signature:
      "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    valid: false,
  },
  {
    name: "2: A mixed order, R of small order (holds both ways)",
    message: "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
    public: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
    signature:
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
    valid: false,
  },
  {
    name: "3: A and R mixed order, the equation holds both ways: valid",
    message: "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
    public: "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
    signature:
      "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
    valid: true,
  },
  {
    name: "4: A and R mixed order, holds only with the cofactor",
    message: "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
    public: "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
    signature:
      "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
    valid: false,
  },
  {
    name: "5: A mixed order, R of prime order, holds only with the cofactor",
    message: "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
    public: "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
    signature:
      "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
    valid: false,
  },
  {
    name: "6: S ≥ L (S + L of a valid signature)",
    message: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
    public: "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
    signature:
      "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
    valid: false,
  },
  {
    name: "7: S far above L (high bits set)",
    message: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
    public: "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
    signature:
      "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
    valid: false,
  },
  {
    name: "8: R not canonical (y = p − 1 with the sign bit of x = 0 set)",
    message: "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
    public: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
    signature:
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
    valid: false,
  },
  {
    name: "9: R not canonical, the equation holds only with the reduced R in the hash",
    message: "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
    public: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
    signature:
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
    valid: false,
  },
  {
    name: "10: A not canonical (y = p − 1 with the sign bit set), hash over the reduced A",
    message: "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
    public: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    signature:
      "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    valid: false,
  },
  {
    name: "11: A not canonical (y = p − 1 with the sign bit set), hash over A as sent",
    message: "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
    public: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    signature:
      "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    valid: false,
  },
  {
    name: "the identity key with R = identity and S = 0, which 'signs' any message (issue 12)",
    public: IDENTITY,
    message: "6f6e652063656e7420666f72206f6e652061727469636c65",
    signature: `${IDENTITY}${ZERO_32}`,
    valid: false,
  },
  {
    name: "the identity key, R = identity, S = 0, over the empty message",
    public: IDENTITY,
    message: "",
    signature: `${IDENTITY}${ZERO_32}`,
    valid: false,
  },
  {
    name: "the identity key written with the sign bit set (a non-canonical small-order encoding)",
    public: "0100000000000000000000000000000000000000000000000000000000000080",
    message: "",
    signature: `${IDENTITY}${ZERO_32}`,
    valid: false,
  },
  {
    name: "y = p + 1, an unreduced encoding of the identity, as the key",
    public: "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    message: "",
    signature: `${IDENTITY}${ZERO_32}`,
    valid: false,
  },
  {
    name: "RFC 8032 TEST 1 with S + L (the same point, an unreduced scalar)",
    public: rfc1.public,
    message: rfc1.message,
    signature: `${rfc1.signature.slice(0, 64)}${addOrder(rfc1.signature.slice(64))}`,
    valid: false,
  },
  ...rfc8032.map((v, i) => ({
    name: `RFC 8032 TEST ${i + 1} (control: valid)`,
    public: v.public,
    message: v.message,
    signature: v.signature,
    valid: true,
  })),
];

/**
 * Runs every vector through `check` (base64url key and signature, as `verify` takes them) and returns
 * the names of those it answered differently from `valid`; empty when it agrees on all.
 */
export async function disagreements(
  check: (publicKey: string, message: Uint8Array, signature: string) => boolean | Promise<boolean>,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const v of ed25519Degenerate) {
    if ((await check(b64(v.public), fromHex(v.message), b64(v.signature))) !== v.valid) wrong.push(v.name);
  }
  return wrong;
}
