/**
 * `node --import tsx scripts/leftovers.ts <run-id> [--kill]`: lists the processes still alive that
 * carry QUICKPAY_TEST_RUN=<run-id> (scripts/test-all.sh exports it, so everything the tests start
 * inherits it), SIGKILLs them by pid with --kill, and exits 1 when there were any.
 */
import { processesWithEnv, processState, waitUntil } from "./proc";

const [runId, flag] = process.argv.slice(2);
if (!runId) {
  console.error("usage: leftovers.ts <run-id> [--kill]");
  process.exit(2);
}
const left = processesWithEnv("QUICKPAY_TEST_RUN", runId);
if (left.length === 0) process.exit(0);

console.error(`${left.length} process(es) the tests started are still running:`);
for (const p of left) console.error(`  ${p.pid}  ${p.command}`);
if (flag === "--kill") {
  for (const p of left) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const gone = (pid: number) => {
    const state = processState(pid);
    return state === undefined || state === "Z" || state === "X";
  };
  await waitUntil(() => left.every((p) => gone(p.pid)), "the leftover processes to die", 10_000);
  console.error("  killed them.");
}
process.exit(1);
