/**
 * The mass-removal safeguard, one rule for every kind of removal a sync makes (users suspended, groups deleted, vault
 * items archived): a run about to remove more than the integration's `suspendThresholdPercent` of its objects of one
 * kind stops and waits for an administrator's confirmation, since so many vanishing at once is more often a broken
 * upstream (a wrong filter, a revoked permission, an empty answer) than real departures.
 */

/** How many of the integration's objects of one kind a run would remove, out of how many it has. */
export interface RemovalShare {
  count: number;
  total: number;
}

/** True when removing `share` needs an administrator's confirmation first. Integer arithmetic: no rounding at the edge. */
export function exceedsSafeguard(share: RemovalShare, thresholdPercent: number): boolean {
  return share.total > 0 && share.count * 100 > thresholdPercent * share.total;
}

/** The words an item of a stopped run carries: how many of how many, and where the safeguard stops. */
export function safeguardReason(share: RemovalShare, thresholdPercent: number, what: { noun: string; verb: string }): string {
  const percent = share.total > 0 ? Math.round((share.count * 100) / share.total) : 0;
  return `No longer upstream: ${share.count} of the integration’s ${share.total} ${what.noun}(s) (${percent}%) would be ${what.verb}; the safeguard stops above ${thresholdPercent}%.`;
}
