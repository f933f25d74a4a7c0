/** The problems a config is refused with, for the bad-input tests. */
import assert from "node:assert/strict";
import { buildSpec, SpecContext } from "../../core/config/build-spec";
import { ConfigError, Problem } from "../../core/config/problems";

/** The problems of a config; fails the test if it is accepted or throws anything but a ConfigError. */
export function problemsOf(config: Record<string, unknown>, context?: SpecContext): readonly Problem[] {
  try {
    buildSpec(config, context);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail("the config was accepted");
}
