/**
 * Told of every chat and message committed, so that live delivery can carry it (see live/). The chat's
 * rules call it after each write they accept; they do not know who listens.
 */
export interface CommitListener {
  committed(): void;
}

/** No one listens: a service used without live delivery. */
export const NO_LISTENER: CommitListener = { committed() {} };
