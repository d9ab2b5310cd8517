import { describe, expect, it } from "vitest";
import { classifySender } from "./sender";

const ext = "abcdefghijklmnopabcdefghijklmnop";

describe("classifySender", () => {
  it("treats the Wallet's own pages (also in a tab or popup window) as ui", () => {
    expect(classifySender({ id: ext, url: `chrome-extension://${ext}/popup.html` }, ext)).toEqual({
      kind: "ui",
    });
    expect(
      classifySender({ id: ext, url: `chrome-extension://${ext}/confirm.html?id=x`, tab: { id: 3 } }, ext),
    ).toEqual({ kind: "ui" });
  });

  it("takes a content script's origin from the browser's sender info", () => {
    expect(
      classifySender(
        { id: ext, url: "http://127.0.0.1:4000/a?b", origin: "http://127.0.0.1:4000", tab: { id: 1 } },
        ext,
      ),
    ).toEqual({ kind: "page", origin: "http://127.0.0.1:4000" });
    expect(classifySender({ id: ext, url: "https://shop.example/x", tab: { id: 1 } }, ext)).toEqual({
      kind: "page",
      origin: "https://shop.example",
    });
  });

  it("ignores other extensions and non-web pages", () => {
    expect(classifySender({ id: "other", url: "https://shop.example/", tab: {} }, ext)).toBeUndefined();
    expect(classifySender({ id: ext, url: "file:///tmp/x.html", tab: {} }, ext)).toBeUndefined();
    expect(classifySender({ id: ext, url: "chrome-extension://other/popup.html" }, ext)).toBeUndefined();
  });
});

describe("classifySender in Firefox", () => {
  const uuid = "moz-extension://0f6a3b1e-8c7d-4e2f-9a1b-2c3d4e5f6a7b";
  const geckoId = "wallet@quickpay.example";

  it("recognises the Wallet's pages by the per-install moz-extension origin, not the id", () => {
    expect(
      classifySender({ id: geckoId, url: `${uuid}/confirm.html?id=x`, tab: { id: 2 } }, geckoId, uuid),
    ).toEqual({ kind: "ui" });
    expect(
      classifySender({ id: geckoId, url: `chrome-extension://${geckoId}/popup.html` }, geckoId, uuid),
    ).toBeUndefined();
  });

  it("takes a content script's origin from its url when the browser reports no origin", () => {
    expect(
      classifySender({ id: geckoId, url: "https://shop.example/a?b", tab: { id: 1 } }, geckoId, uuid),
    ).toEqual({ kind: "page", origin: "https://shop.example" });
  });
});
