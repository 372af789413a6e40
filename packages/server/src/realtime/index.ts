/** The realtime feature's public entry: what other features may use. */

// Used by other features.
export { type LiveEvent, liveEvents } from './live-access.js';
