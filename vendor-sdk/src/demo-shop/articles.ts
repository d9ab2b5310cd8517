/**
 * The Daily Cent's articles: a public teaser each, and a body sold for one cent. A bought article
 * stays bought ("forever" receipts): the Wallet can bring it back on every visit.
 */
import type { Item } from "../server/config";

export interface Article extends Item {
  title: string;
  teaser: string;
  /** Only ever sent through Request Order Delivery, never in a page. */
  bodyHtml: string;
  /** How the page shows the button: the custom element, or a plain button (script-tag mode). */
  markup: "element" | "data-attributes";
}

const ONE_CENT = { currency: "USD", value: "0.01" };

export const articles: Article[] = [
  {
    id: "article-1",
    title: "Town Council Votes to Paint the Bridge Blue",
    teaser: "After three hours of debate, the council reached a decision nobody expected.",
    bodyHtml:
      "<p>The vote was 5 to 4. Supporters argued that blue would calm the morning traffic; " +
      "opponents wanted the original green restored.</p><p>Painting starts in the spring.</p>",
    description: "Article: Town Council Votes to Paint the Bridge Blue",
    amount: ONE_CENT,
    receipt: "forever",
    markup: "element",
  },
  {
    id: "article-2",
    title: "Local Baker Wins National Sourdough Prize",
    teaser: "Her starter is older than the bakery itself — and the judges could tell.",
    bodyHtml:
      "<p>Maria Okafor has fed the same starter every day since 1998.</p>" +
      "<p>The prize comes with a year's supply of flour, which she says will last about a month.</p>",
    description: "Article: Local Baker Wins National Sourdough Prize",
    amount: ONE_CENT,
    receipt: "forever",
    markup: "element",
  },
  {
    id: "article-3",
    title: "Why One-Cent Articles Might Save Journalism",
    teaser: "Micropayments were promised in the nineties. What is different now?",
    bodyHtml:
      "<p>Signatures cost microseconds, wallets live in the browser, and a broker can hold one cent " +
      "as easily as a hundred dollars.</p><p>The rest is up to readers.</p>",
    description: "Article: Why One-Cent Articles Might Save Journalism",
    amount: ONE_CENT,
    receipt: "forever",
    markup: "data-attributes",
  },
];

/**
 * The shelf `npm run bench:wallet` buys from: `n` one-cent items `bench-1` … `bench-n` with short
 * bodies, so every measured purchase is a first purchase (a bought article's receipt would make the
 * next click a restore). Only on the shop's `/bench` page, and only when the shop runs with them.
 */
export function benchArticles(n: number): Article[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `bench-${i + 1}`;
    return {
      id,
      title: `Bench item ${i + 1}`,
      teaser: "A one-cent item the Wallet benchmark buys.",
      bodyHtml: `<p>Bench item ${i + 1}: delivered.</p>`,
      description: `Bench item ${i + 1}`,
      amount: ONE_CENT,
      receipt: "forever",
      markup: "element",
    } satisfies Article;
  });
}
