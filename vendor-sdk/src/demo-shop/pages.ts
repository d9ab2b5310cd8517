/** The Daily Cent's HTML: the front page with a pay button per article, and how to get a Wallet. */
import type { Article } from "./articles";

export const SHOP_NAME = "The Daily Cent";

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const style = `
  body { font: 17px/1.5 Georgia, serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  header { border-bottom: 3px double #222; margin-bottom: 1.5rem; }
  h1 { font-size: 2.4rem; margin: 0; } article { margin-bottom: 2rem; }
  .teaser { color: #555; font-style: italic; }
  .quickpay-button, button[data-quickpay-item] { font: inherit; padding: .3rem .9rem; cursor: pointer; }
  .quickpay-status { margin-left: .5rem; font-size: .9rem; color: #555; }
  [data-state="error"].quickpay-status { color: #a00; }
  .quickpay-button[aria-disabled="true"], button[data-quickpay-item][aria-disabled="true"] { cursor: progress; opacity: .6; }
  .body:empty { display: none; }
  .body { border-left: 3px solid #2a7; padding-left: 1rem; }
`;

/** Every page's frame: the shop's style, the pay button's script, and `body`. */
function page(title: string, body: string, head = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${title}</title>
  <style>${style}</style>
  <script src="/quickpay-button.js" defer></script>${head}
</head>
<body>${body}
</body>
</html>`;
}

/** One article: its heading, what the page shows of it, its pay button and where its body goes. */
function articleBlock(
  a: Article,
  getWalletUrl: string,
  more: { attributes?: string; before?: string; after?: string } = {},
): string {
  return `
    <article id="${esc(a.id)}"${more.attributes ?? ""}>
      <h2>${esc(a.title)}</h2>${more.before ?? ""}
      ${payButton(a, getWalletUrl)}
      <div id="${esc(a.id)}-body" class="body" data-testid="article-body-${esc(a.id)}"></div>${more.after ?? ""}
    </article>`;
}

function payButton(a: Article, getWalletUrl: string): string {
  const target = `#${a.id}-body`;
  if (a.markup === "element") {
    return `<quickpay-button item="${esc(a.id)}" target="${esc(target)}" label="Read for 1¢" get-wallet-url="${esc(getWalletUrl)}"></quickpay-button>`;
  }
  return `<button type="button" data-quickpay-item="${esc(a.id)}" data-quickpay-target="${esc(target)}" data-quickpay-get-wallet-url="${esc(getWalletUrl)}">Read for 1¢</button>`;
}

export function frontPage(articles: Article[], shopUrl: string): string {
  const getWalletUrl = `${shopUrl}/get-wallet`;
  const items = articles
    .map((a) =>
      articleBlock(a, getWalletUrl, {
        attributes: ` data-testid="article-${esc(a.id)}"`,
        before: `
      <p class="teaser">${esc(a.teaser)}</p>`,
      }),
    )
    .join("\n");
  return page(
    SHOP_NAME,
    `
  <header>
    <h1 data-testid="shop-title">${SHOP_NAME}</h1>
    <p>News worth a penny. Each article costs one cent, paid with your QuickPay Wallet.</p>
  </header>
  <main>${items}
  </main>`,
  );
}

/**
 * The benchmark's page (`npm run bench:wallet`): each bench item with its pay button and a "Read
 * free" button that fetches the same body from `/bench/free/<id>` with no payment, into its own
 * target — the floor a paid click is compared with, through the same page, network and DOM.
 */
export function benchPage(items: Article[], shopUrl: string): string {
  const getWalletUrl = `${shopUrl}/get-wallet`;
  const rows = items
    .map((a) =>
      articleBlock(a, getWalletUrl, {
        after: `
      <button type="button" data-free-item="${esc(a.id)}">Read free</button>
      <div id="${esc(a.id)}-free" class="body" data-testid="article-free-${esc(a.id)}"></div>`,
      }),
    )
    .join("\n");
  const freeReader = `
  <script>
    document.addEventListener("click", async (event) => {
      const id = event.target instanceof Element && event.target.getAttribute("data-free-item");
      if (!id) return;
      const reply = await fetch("/bench/free/" + encodeURIComponent(id));
      document.getElementById(id + "-free").innerHTML = await reply.text();
    });
  </script>`;
  return page(`${SHOP_NAME} — bench`, `<main>${rows}\n</main>`, freeReader);
}

export function getWalletPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Get a QuickPay Wallet</title><style>${style}</style></head>
<body>
  <h1>Get a QuickPay Wallet</h1>
  <p>The QuickPay Wallet is a browser extension. In this demo it is built from the QuickPay repository:</p>
  <ol>
    <li>Run <code>npm run demo</code> (or <code>npm run build:extension</code>) in the repository.</li>
    <li>Open <code>chrome://extensions</code>, turn on Developer mode, choose <em>Load unpacked</em> and pick
      <code>extension/dist</code>.</li>
    <li>Open the Wallet's options, add the Demo Bank Paycard, and come back to <a href="/">${SHOP_NAME}</a>.</li>
  </ol>
</body>
</html>`;
}
