/**
 * One of several processes in `multi-process.test.ts`: opens its own PostgreSQL store on the shared
 * database, waits for "go" on stdin so all start together, applies the writes it was given from a
 * JSON file (many concurrent `apply` calls), prints `{ outcomes }` and exits.
 * Usage: node --import tsx multi-process.child.ts <databaseUrl> <writes.json>
 */
import { readFileSync } from "node:fs";
import type { Write } from "../types";
import { createPostgresStore } from "./index";

const [url, file] = process.argv.slice(2);
if (!url || !file) throw new Error("usage: multi-process.child.ts <databaseUrl> <writes.json>");
const writes = JSON.parse(readFileSync(file, "utf8")) as Write[];
const store = await createPostgresStore(url);
process.stdout.write("ready\n");
await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
// An open stdin would keep this process alive after its work is done.
process.stdin.destroy();

// Like a host under load: many requests in flight, each a small apply.
const outcomes = await Promise.all(writes.map((w) => store.apply([w]).then((o) => o[0])));
await store.close();
process.stdout.write(`${JSON.stringify({ outcomes })}\n`);
