/**
 * Runs `construct` with V8's stack capture off (`Error.stackTraceLimit = 0`), then puts the limit
 * back. For the construction of Pulumi resources: @pulumi/pulumi records `new Error().stack` for
 * every promise it makes per resource (runtime/debuggable.js `debuggablePromise`, four per output
 * property, about 60 per `remote.Command`), and reads them only with `PULUMI_DEBUG_PROMISE_LEAKS`
 * set. Formatting them (through source maps, as `pulumi up` loads TypeScript) was about half of the
 * program's CPU time and a fifth of its memory at hundreds of workers (README: Scale). The source
 * position the engine records for each resource is unaffected: `Resource.callsites()` sets its own
 * limit. With `PULUMI_DEBUG_PROMISE_LEAKS` set, stacks are captured as usual.
 */
export function withoutStackCapture<T>(construct: () => T, env: NodeJS.ProcessEnv = process.env): T {
  if (env.PULUMI_DEBUG_PROMISE_LEAKS) return construct();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return construct();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
