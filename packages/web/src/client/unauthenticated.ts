/**
 * What the app is told when the API says the session is gone. Its own module because both the Apollo links
 * (apollo.ts) and the live-updates socket (live-connection.ts) report it, and apollo.ts needs live-connection.ts.
 */
export interface UnauthenticatedEvent {
  /** `extensions.reason` from the server: NO_SESSION, SESSION_EXPIRED, SESSION_INVALID; SIGNED_OUT from a 4401/4403 socket close. */
  reason?: string;
  operationName?: string;
}
