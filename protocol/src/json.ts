/**
 * The one JSON parser every QuickPay server reads request bodies with: I-JSON (RFC 7493) objects,
 * so a signer and a verifier can never read two different values from one text.
 *
 * `JSON.parse` keeps the last of two equal keys (`{"amount":"0.01","amount":"100"}` is 100), and
 * another parser may keep the first: refused. So are the keys that poison a prototype once a value is
 * spread or merged (`__proto__`, and `constructor` holding a `prototype`, as fastify's
 * secure-json-parse refuses them), and nesting deeper than any message has, which recursive code
 * further on (canonical JSON, schemas) would otherwise pay for.
 *
 * Cost: `JSON.parse` does the parsing; then one scan of the text outside its strings counts the
 * members written (every `:` there starts one) and the nesting, and one walk of the value counts the
 * members kept. Fewer kept than written means a key repeated; only then is the text walked again to
 * say which.
 */
import { QuickPayError } from "./errors";

/** Deeper than any QuickPay message nests (an envelope, its body, an order, its items, … is < 10). */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/**
 * Parses one I-JSON text; throws `invalid_request` (naming where) for anything else: text that is
 * not JSON, a key twice in one object, a prototype-poisoning key, nesting beyond `MAX_JSON_DEPTH`.
 */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new QuickPayError("invalid_request", `body is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null) return value;
  const written = membersWritten(text);
  if (written > 0 && membersKept(value) !== written) throw duplicateKeyError(text);
  return value;
}

/** Members in the text (each `:` outside a string), checking the depth on the way. */
function membersWritten(text: string): number {
  const n = text.length;
  let members = 0;
  let depth = 0;
  let at = 0;
  while (at < n) {
    const quote = text.indexOf('"', at);
    const end = quote === -1 ? n : quote;
    // Between strings there are only structural characters, numbers, literals and whitespace.
    for (let i = at; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === COLON) members++;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > MAX_JSON_DEPTH) {
          throw new QuickPayError("invalid_request", `JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    }
    if (quote === -1) break;
    at = stringEnd(text, quote) + 1;
  }
  return members;
}

/** The index of the quote closing the string that opens at `quote` (the text is valid JSON). */
function stringEnd(text: string, quote: number): number {
  let close = text.indexOf('"', quote + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close;
    close = text.indexOf('"', close + 1);
  }
}

/** Members of every object in the value, refusing the prototype-poisoning ones. Iterative: no depth limit of its own. */
function membersKept(root: object): number {
  let members = 0;
  const stack: object[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (Array.isArray(node)) {
      for (const item of node) if (typeof item === "object" && item !== null) stack.push(item);
      continue;
    }
    for (const key in node) {
      members++;
      const item = (node as Record<string, unknown>)[key];
      if (key === "__proto__") throw poisonError("__proto__");
      if (typeof item === "object" && item !== null) {
        if (key === "constructor" && Object.hasOwn(item, "prototype"))
          throw poisonError("constructor.prototype");
        stack.push(item);
      }
    }
  }
  return members;
}

function poisonError(key: string): QuickPayError {
  return new QuickPayError("invalid_request", `JSON may not carry the key ${key}`);
}

/**
 * The slow path, only for a text already known to repeat a key: a walk of its tokens that names the
 * first repeated key and the path to its object.
 */
function duplicateKeyError(text: string): QuickPayError {
  let at = 0;
  const space = () => {
    while (at < text.length && " \t\n\r".includes(text[at]!)) at++;
  };
  const readString = (): string => {
    const end = stringEnd(text, at);
    const value = JSON.parse(text.slice(at, end + 1)) as string;
    at = end + 1;
    return value;
  };
  const walk = (path: string): QuickPayError | undefined => {
    space();
    const c = text.charCodeAt(at);
    if (c === OPEN_BRACE) {
      at++;
      const seen = new Set<string>();
      for (space(); text.charCodeAt(at) !== CLOSE_BRACE; space()) {
        if (text.charCodeAt(at) === COMMA) {
          at++;
          space();
        }
        const key = readString();
        if (seen.has(key)) {
          return new QuickPayError(
            "invalid_request",
            `JSON repeats the key ${clip(JSON.stringify(key))} in ${clip(path)}`,
          );
        }
        seen.add(key);
        space();
        at++; // the colon
        const found = walk(`${path}.${key}`);
        if (found) return found;
      }
      at++;
    } else if (c === OPEN_BRACKET) {
      at++;
      for (let i = 0; ; i++) {
        space();
        if (text.charCodeAt(at) === CLOSE_BRACKET) break;
        if (text.charCodeAt(at) === COMMA) at++;
        const found = walk(`${path}[${i}]`);
        if (found) return found;
      }
      at++;
    } else if (c === QUOTE) {
      readString();
    } else {
      while (at < text.length && !",]} \t\n\r".includes(text[at]!)) at++;
    }
    return undefined;
  };
  return walk("body") ?? new QuickPayError("invalid_request", "JSON repeats a key");
}

/** An echoed key or path, cut short: a key can be as long as the body. */
function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
