// How tests wait for something the server does in the background: poll a condition, never sleep a guessed interval.

/** Resolves once `read` returns something truthy, polling; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  read: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
