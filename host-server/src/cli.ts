/**
 * The operator CLI (`quickpay-host <command>`): works on the host's store directly (the same SQLite
 * file or PostgreSQL database a running host uses), so it also works while no host runs.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  formatMoney,
  HttpUrl,
  newId,
  newMessageId,
  PublicKey,
  playerIdFor,
  schemas,
} from "@quickpay/protocol";
import { loadHostKey } from "./host-key";
import { openStore } from "./start";
import type { HostStore, Outcome, PlayerKind } from "./store/types";

export const usage = `quickpay-host <command> [options]

Store: --db <file> (or HOST_DB, default quickpay-host.db) | --database-url <url> (or DATABASE_URL)

Commands:
  init                                   create/migrate the store and the host key; print the host id
  add-broker --name N --endpoint URL --public-key KEY
  suspend-broker <brokerId>              (also: suspend <playerId>, activate <playerId>)
  list-vendors | list-wallets | list-brokers
  show-order <digest>                    everything the host knows about one order (JSON)
  settlement-report [--since ISO] [--until ISO]
  export [--out FILE]                    players, orders and settlements as JSON
`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

class UsageError extends Error {}

function need<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  value: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${what} is missing or invalid`);
  return parsed.data as T;
}

function wire(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) =>
      v && typeof v === "object" && typeof v.micros === "number" && typeof v.currency === "string"
        ? formatMoney(v)
        : v,
    ),
  );
}

async function write(
  store: HostStore,
  effect: Parameters<HostStore["apply"]>[0][0]["effect"],
): Promise<Outcome> {
  const [outcome] = await store.apply([
    {
      from: "operator",
      messageId: newMessageId(),
      fingerprint: newId(),
      at: new Date().toISOString(),
      effect,
    },
  ]);
  if (outcome?.status === "refused" || outcome?.status === "conflict") {
    throw new UsageError(`${outcome.status === "refused" ? outcome.code : "conflict"}: ${outcome.message}`);
  }
  return outcome!;
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let store: HostStore | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: "string" },
        "database-url": { type: "string" },
        name: { type: "string" },
        endpoint: { type: "string" },
        "public-key": { type: "string" },
        since: { type: "string" },
        until: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    const [command, arg] = positionals;
    if (!command || values.help) {
      io.out(usage);
      return command || values.help ? 0 : 2;
    }
    const databaseUrl = values["database-url"] ?? io.env.DATABASE_URL;
    store = await openStore({ dbPath: values.db ?? io.env.HOST_DB ?? "quickpay-host.db", databaseUrl });
    const list = async (kind: PlayerKind) => {
      for (const p of await store!.listPlayers({ kind, limit: 100_000 })) {
        io.out(
          [p.id, p.status, p.name ?? "", p.endpoint ?? "", (p.origins ?? []).join(",")].join("\t").trimEnd(),
        );
      }
    };
    switch (command) {
      case "init": {
        const host = await loadHostKey(store, new Date());
        io.out(`store ${store.kind} at schema version ${await store.schemaVersion()}; host ${host.id}`);
        return 0;
      }
      case "add-broker": {
        const publicKey = need<string>(PublicKey, values["public-key"], "--public-key");
        const name = need<string>(schemas.ShortText, values.name, "--name");
        const endpoint = need<string>(HttpUrl, values.endpoint, "--endpoint");
        const id = playerIdFor("broker", publicKey);
        await write(store, {
          kind: "registerPlayer",
          player: {
            id,
            kind: "broker",
            publicKey,
            name,
            endpoint,
            status: "active",
            registeredAt: new Date().toISOString(),
          },
        });
        io.out(id);
        return 0;
      }
      case "suspend-broker":
      case "suspend":
      case "activate": {
        if (!arg) throw new UsageError(`${command} needs a player id`);
        if (command === "suspend-broker" && !arg.startsWith("b_"))
          throw new UsageError(`${arg} is not a broker id`);
        const status = command === "activate" ? "active" : "suspended";
        await write(store, { kind: "setPlayerStatus", playerId: arg, status });
        io.out(`${arg} ${status}`);
        return 0;
      }
      case "list-vendors":
        await list("vendor");
        return 0;
      case "list-wallets":
        await list("wallet");
        return 0;
      case "list-brokers":
        await list("broker");
        return 0;
      case "show-order": {
        if (!arg || !/^[0-9a-f]{64}$/.test(arg))
          throw new UsageError("show-order needs an order digest (64 hex)");
        io.out(JSON.stringify(wire(await store.getOrder(arg)), null, 2));
        return 0;
      }
      case "settlement-report": {
        const settlements = await store.listSettlements({
          ...(values.since ? { since: values.since } : {}),
          ...(values.until ? { until: values.until } : {}),
        });
        const totals = new Map<string, { count: number; micros: number; currency: string }>();
        for (const s of settlements) {
          const key = `${s.brokerId}\t${s.vendorId}\t${s.amount.currency}`;
          const t = totals.get(key) ?? { count: 0, micros: 0, currency: s.amount.currency };
          t.count += 1;
          t.micros += s.amount.micros;
          totals.set(key, t);
        }
        io.out("broker\tvendor\tcurrency\torders\ttotal");
        for (const [key, t] of totals) {
          io.out(`${key}\t${t.count}\t${formatMoney({ currency: t.currency, micros: t.micros }).value}`);
        }
        return 0;
      }
      case "export": {
        const digests = await store.listOrderDigests({ limit: 10_000_000 });
        const dump = {
          exportedAt: new Date().toISOString(),
          players: await store.listPlayers({ limit: 10_000_000 }),
          orders: await Promise.all(digests.map((d) => store!.getOrder(d))),
          settlements: await store.listSettlements(),
        };
        const text = JSON.stringify(wire(dump), null, 2);
        if (values.out) writeFileSync(values.out, text);
        else io.out(text);
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"\n\n${usage}`);
    }
  } catch (error) {
    io.err(`quickpay-host: ${(error as Error).message}`);
    return error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
      ? 2
      : 1;
  } finally {
    await store?.close();
  }
}
