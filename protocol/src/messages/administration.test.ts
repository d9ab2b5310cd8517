import { describe, expect, it } from "vitest";
import { canonicalBytes } from "../canonical";
import { generateKeyPair, sign } from "../crypto";
import { playerIdFor } from "../ids";
import {
  RegisterVendor,
  signVendorKeyRotation,
  VendorOriginProof,
  vendorKeyRotationStatement,
  vendorOriginProof,
  verifyVendorKeyRotation,
} from "./administration";

describe("the origin proof document", () => {
  it("lists one to eight vendor keys and ignores other members", () => {
    const { publicKey } = generateKeyPair();
    expect(vendorOriginProof(publicKey)).toEqual({ vendorKeys: [publicKey] });
    expect(VendorOriginProof.parse({ vendorKeys: [publicKey], later: 1 })).toEqual({
      vendorKeys: [publicKey],
    });
    expect(VendorOriginProof.safeParse({ vendorKeys: [] }).success).toBe(false);
    expect(VendorOriginProof.safeParse({ vendorKeys: ["not a key"] }).success).toBe(false);
    expect(VendorOriginProof.safeParse({ vendorKeys: Array(9).fill(publicKey) }).success).toBe(false);
    expect(VendorOriginProof.safeParse({ publicKey }).success).toBe(false);
  });
});

describe("a vendor key rotation", () => {
  it("is the old key's signature over the old vendor id and the new key, and nothing else", async () => {
    const old = generateKeyPair();
    const next = generateKeyPair();
    const oldId = playerIdFor("vendor", old.publicKey);
    const rotation = await signVendorKeyRotation(old.privateKey, oldId, next.publicKey);
    expect(rotation.from).toBe(oldId);
    expect(
      await sign(
        old.privateKey,
        canonicalBytes({ type: "VendorKeyRotation", from: oldId, to: next.publicKey }),
      ),
    ).toBe(rotation.sig);
    expect(await verifyVendorKeyRotation(rotation, old.publicKey, next.publicKey)).toBe(true);
    // Another new key, another signer, another old id: none verifies.
    expect(await verifyVendorKeyRotation(rotation, old.publicKey, generateKeyPair().publicKey)).toBe(false);
    expect(await verifyVendorKeyRotation(rotation, next.publicKey, next.publicKey)).toBe(false);
    const otherId = playerIdFor("vendor", generateKeyPair().publicKey);
    expect(await verifyVendorKeyRotation({ ...rotation, from: otherId }, old.publicKey, next.publicKey)).toBe(
      false,
    );
    expect(vendorKeyRotationStatement(oldId, next.publicKey)).toEqual({
      type: "VendorKeyRotation",
      from: oldId,
      to: next.publicKey,
    });
  });

  it("rides in Register Vendor as an optional, strict member", async () => {
    const old = generateKeyPair();
    const next = generateKeyPair();
    const rotation = await signVendorKeyRotation(
      old.privateKey,
      playerIdFor("vendor", old.publicKey),
      next.publicKey,
    );
    const body = {
      publicKey: next.publicKey,
      name: "Shop",
      origins: ["https://shop.example"],
      endpoint: "https://shop.example/quickpay",
    };
    expect(RegisterVendor.body.safeParse(body).success).toBe(true);
    expect(RegisterVendor.body.safeParse({ ...body, rotation }).success).toBe(true);
    expect(RegisterVendor.body.safeParse({ ...body, rotation: { ...rotation, extra: 1 } }).success).toBe(
      false,
    );
    expect(
      RegisterVendor.body.safeParse({ ...body, rotation: { from: "v_x", sig: rotation.sig } }).success,
    ).toBe(false);
  });
});
