/** Hashing the secrets a broker checks in Answer Response (PINs, passphrases): salted scrypt, node only. */
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

// N = 2^14 keeps one check around 20 ms: cheap for a person, costly for a brute force of a stolen file.
const COST = 16_384;
const KEY_LENGTH = 32;

export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret.normalize("NFKC"), salt, KEY_LENGTH, { N: COST });
  return `scrypt$${COST}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** False for a wrong secret and for any malformed stored hash. */
export function verifySecret(secret: string, stored: string | null | undefined): boolean {
  const parts = stored?.split("$");
  if (parts?.length !== 4 || parts[0] !== "scrypt") return false;
  const cost = Number(parts[1]);
  if (!Number.isInteger(cost) || cost < 2) return false;
  const salt = Buffer.from(parts[2]!, "base64url");
  const expected = Buffer.from(parts[3]!, "base64url");
  const actual = scryptSync(secret.normalize("NFKC"), salt, expected.length, { N: cost });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
