/**
 * Tells the processes sharing a database that the event log has grown. A signal carries nothing: each
 * process reads the log itself, so a lost signal delays delivery until the next poll but loses nothing.
 */
export interface Signal {
  /** Tells the other processes (this one reads the log itself after its own writes). */
  publish(): void;
  /** Called when another process has published. */
  onSignal(listener: () => void): void;
  close(): Promise<void>;
}

/** One process on its own: there is no one to tell. */
export class LocalSignal implements Signal {
  publish(): void {}
  onSignal(): void {}
  async close(): Promise<void> {}
}
