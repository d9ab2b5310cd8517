import { describe, expect, it } from "vitest";
import { OneAtATime } from "./one-at-a-time";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("OneAtATime", () => {
  it("runs tasks under one key one after another, in arrival order, and others alongside", async () => {
    const lock = new OneAtATime();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      lock.run("k", task("a")),
      lock.run("k", task("b")),
      lock.run("other", task("x")),
      lock.run("k", task("c")),
    ]);
    expect(results).toEqual(["a", "b", "x", "c"]);
    const k = log.filter((l) => !l.startsWith("x"));
    expect(k).toEqual(["a start", "a end", "b start", "b end", "c start", "c end"]);
    // "x" ran while "a" did, not after the key's queue.
    expect(log.indexOf("x start")).toBeLessThan(log.indexOf("a end"));
    expect(lock.size).toBe(0);
  });

  it("a task that fails does not stop the next one, and its caller gets the error", async () => {
    const lock = new OneAtATime();
    const first = lock.run("k", async () => {
      await tick();
      throw new Error("boom");
    });
    const second = lock.run("k", async () => "after");
    await expect(first).rejects.toThrow("boom");
    await expect(second).resolves.toBe("after");
    expect(lock.size).toBe(0);
  });
});
