import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./support/stack";

// First boot runs unattended-upgrades, which holds the dpkg lock: every apt call on a host must wait.
test("every apt-get and apt-mark call in a host script waits for the dpkg lock", () => {
  const dir = join(ROOT, "core", "scripts");
  const files = readdirSync(dir, { recursive: true }) as string[];
  let calls = 0;
  for (const file of files.filter((f) => f.endsWith(".sh"))) {
    const lines = readFileSync(join(dir, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      if (/^\s*#/.test(line) || !/\bapt-(get|mark)\s+(-|update|install|hold|unhold|remove|purge)/.test(line)) return;
      calls++;
      assert.match(
        line,
        /DPkg::Lock::Timeout=|\bapt_run\b/,
        `core/scripts/${file}:${i + 1} calls apt without waiting for the lock: ${line.trim()}`,
      );
    });
  }
  assert.ok(calls >= 3, `found only ${calls} apt calls: the scan is broken`);
});
