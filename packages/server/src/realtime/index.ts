/**
 * The realtime feature's public entry: `liveEvents`, the one rule for who may see an account's events, with which
 * every subscription is built. (The event bus itself is the ground floor's, core/events.ts.)
 */

// Used by other features.
export { type LiveEvent } from './live-access.js';
export { liveEvents, subscribeLive } from './live-hub.js';
