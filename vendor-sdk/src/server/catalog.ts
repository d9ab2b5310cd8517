/**
 * Checking a vendor's catalogue before anything is sold from it: every item must make a valid order
 * (an amount in the protocol's money format above zero, a description the order schema takes, a kind
 * this SDK can sell, a receipt policy it understands), so a bad entry is found when the shop starts —
 * or, for a catalogue read item by item, when that item is first read — and never becomes a signed
 * order for $0.00 or a 500 at a shopper's click.
 */
import { MoneySchema, parseMoney, QuickPayError } from "@quickpay/protocol";
import type { Catalog, Item } from "./config";
import { MAX_ITEM_ID_LENGTH, receiptUntilFor } from "./orders";

/** The order schema's limit on `description` (protocol/src/order.ts). */
export const MAX_DESCRIPTION_LENGTH = 500;

const ITEM_ID = /^[A-Za-z0-9_.:-]+$/;

/** What is wrong with one catalogue item. */
export interface CatalogProblem {
  /** The item's id as the catalogue holds it (or its position, when it has no usable id). */
  itemId: string;
  /** `not_supported` for a kind this SDK cannot sell yet (regular orders); `invalid_catalog_item` otherwise. */
  code: "invalid_catalog_item" | "not_supported";
  problems: string[];
}

/**
 * Every problem of one item, or undefined when it makes a valid order. `expectedId` is the id the
 * item was asked for (a `get(itemId)` answer for another id is wrong too).
 */
export function checkItem(item: unknown, expectedId?: string): CatalogProblem | undefined {
  const problems: string[] = [];
  let unsupported = false;
  const i = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
  const id = typeof i.id === "string" ? i.id : undefined;
  if (typeof item !== "object" || item === null) problems.push(`expected an item object, got ${show(item)}`);
  else if (id === undefined) problems.push(`id: expected a string, got ${show(i.id)}`);
  else if (id.length === 0 || id.length > MAX_ITEM_ID_LENGTH || !ITEM_ID.test(id)) {
    problems.push(`id: expected 1–${MAX_ITEM_ID_LENGTH} characters of [A-Za-z0-9_.:-], got ${show(id)}`);
  }
  if (expectedId !== undefined && id !== undefined && id !== expectedId) {
    problems.push(`id: the catalogue answered item ${show(id)} when asked for ${show(expectedId)}`);
  }

  const description = i.description;
  if (typeof description !== "string" || description.length === 0) {
    problems.push(`description: expected a non-empty string, got ${show(description)}`);
  } else if (description.length > MAX_DESCRIPTION_LENGTH) {
    problems.push(`description: at most ${MAX_DESCRIPTION_LENGTH} characters, got ${description.length}`);
  }

  const amount = MoneySchema.safeParse(i.amount);
  if (!amount.success) {
    problems.push(
      `amount: expected { currency: "USD", value: "0.01" } (a decimal string with at most 6 decimals), got ${show(i.amount)}`,
    );
  } else if (parseMoney(amount.data).micros <= 0) {
    problems.push(`amount: must be more than zero, got ${show(i.amount)}`);
  }

  const kind = i.kind ?? "micro";
  if (kind === "regular") {
    unsupported = true;
    problems.push(
      'kind: "regular" orders (goods that ship later) are not supported by this vendor SDK yet; sell it as "micro" or wait for regular payments',
    );
  } else if (kind !== "micro") {
    problems.push(`kind: expected "micro" or "regular", got ${show(i.kind)}`);
  }

  try {
    receiptUntilFor(id ?? "?", i.receipt as Item["receipt"], new Date(0));
  } catch {
    problems.push(
      `receipt: expected "forever", "once" or { validForMs: a positive integer }, got ${show(i.receipt)}`,
    );
  }

  if (problems.length === 0) return undefined;
  return {
    itemId: expectedId ?? id ?? "?",
    // A regular item that is otherwise fine is refused for what it is: not sellable yet.
    code: unsupported && problems.length === 1 ? "not_supported" : "invalid_catalog_item",
    problems,
  };
}

/**
 * Checks a whole catalogue, e.g. at startup: returns the items unchanged when every one makes a
 * valid order, else throws one `invalid_catalog_item` QuickPayError naming every bad item in its
 * message and listing them in `details.items` (`CatalogProblem[]`). Item ids must be unique.
 */
export function checkCatalog<I extends Item>(items: Iterable<I>): I[] {
  const list = [...items];
  const bad: CatalogProblem[] = [];
  const seen = new Set<string>();
  list.forEach((item, index) => {
    const problem = checkItem(item);
    const id = (item as { id?: unknown } | null)?.id;
    const where = typeof id === "string" && id !== "" ? id : `#${index}`;
    const problems = problem?.problems ?? [];
    if (typeof id === "string" && seen.has(id)) problems.push(`id: ${show(id)} appears more than once`);
    if (typeof id === "string") seen.add(id);
    if (problems.length > 0) {
      bad.push({ itemId: where, code: problem?.code ?? "invalid_catalog_item", problems });
    }
  });
  if (bad.length > 0) {
    throw new QuickPayError(
      "invalid_catalog_item",
      `${bad.length} catalogue item${bad.length === 1 ? "" : "s"} cannot be sold: ${bad
        .map((b) => `${b.itemId} (${b.problems.join("; ")})`)
        .join(", ")}`,
      { items: bad },
    );
  }
  return list;
}

/** A catalogue over a fixed list of items, checked now (throws like `checkCatalog`). */
export function defineCatalog<I extends Item>(items: Iterable<I>): Catalog<I> & { items: readonly I[] } {
  const checked = checkCatalog(items);
  const byId = new Map(checked.map((item) => [item.id, item] as const));
  return {
    items: checked,
    async get(itemId: string) {
      return byId.get(itemId);
    },
  };
}

/**
 * The item a Get Order may sign, checked as it is read (a catalogue read item by item can only be
 * checked then): a bad entry is logged by the caller and refused with its code, never signed.
 */
export function assertSellable<I extends Item>(item: I, itemId: string): I {
  const problem = checkItem(item, itemId);
  if (!problem) return item;
  throw new QuickPayError(
    problem.code,
    problem.code === "not_supported"
      ? `item ${itemId} is a regular order (goods that ship later), which this shop cannot sell through QuickPay yet; nothing was signed`
      : `this shop's catalogue entry for item ${itemId} is invalid, so no order was signed`,
    { itemId, problems: problem.problems },
  );
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  } catch {
    return String(value);
  }
}
