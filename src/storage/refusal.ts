/**
 * A write refused by the chat's rules, thrown inside its transaction (or savepoint) so that whatever it
 * wrote is rolled back, then caught and answered as the write's result.
 */
export class Refusal<R> {
  constructor(readonly result: R) {}
}

/** The refusal's result when `error` is one, else `undefined`. */
export const refusedWith = <R>(error: unknown): R | undefined =>
  error instanceof Refusal ? (error.result as R) : undefined;
