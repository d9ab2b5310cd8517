/**
 * `BENCH_PROFILE=<dir>`: records a V8 CPU profile of the host process during one phase (the host
 * runs in the bench's own process), to see where a registration's time goes. Off by default.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/** `name` undefined: the host is not in this process, nothing to profile. */
export async function profiled<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir || !name) return run();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await run();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
