import { randomBytes } from 'node:crypto';

/*
 * The delta-query half of the fake Microsoft Graph (microsoft-graph.ts): `/users/delta` and `/groups/delta` as
 * https://learn.microsoft.com/graph/delta-query-overview describes them. A deltaLink's token names a snapshot of the
 * directory taken when the link was issued; a round started from it compares the directory now with that snapshot, so
 * whatever changed (through the fake's helpers or by editing `users` / `groups` directly) comes back, collapsed to its
 * latest state as Graph does, and nothing else.
 */

export interface DeltaUser {
  id: string;
}

export interface DeltaGroup {
  id: string;
  members: string[];
}

/** What an expired or unknown delta token is answered with (Microsoft: 400 or 410, code syncStateNotFound / resyncRequired). */
export interface ExpiredDeltaAnswer {
  status: number;
  code: string;
}

type Kind = 'users' | 'groups';
type Json = Record<string, unknown>;

interface Snapshot {
  kind: Kind;
  select: string[];
  /** Per object id: its selected properties as JSON, and (groups) its member ids. */
  objects: Map<string, { properties: string; members?: Map<string, string> }>;
}

interface Round {
  kind: Kind;
  objects: Json[];
  /** The token of the snapshot taken when the round started: the deltaLink of its last page. */
  deltaToken: string;
}

/** Most snapshots (and rounds) kept; older deltaLinks then expire (Graph keeps them about seven days). */
const KEPT_SNAPSHOTS = 64;

export class GraphDeltaState {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly rounds = new Map<string, Round>();

  /** Forgets every snapshot: every deltaLink issued so far is answered as expired. */
  expireAll(): void {
    this.snapshots.clear();
    this.rounds.clear();
  }

  /**
   * One delta request. `token` is the request's `$deltatoken` (absent: an initial round; `latest`: a deltaLink for
   * "from now on" and no objects), `skiptoken` continues a round. Answers the body, or null when the token is unknown.
   */
  answer(
    kind: Kind,
    request: { select: string[]; deltaToken: string | null; skipToken: string | null; pageSize: number; baseUrl: string },
    current: { users: Array<DeltaUser & Json>; groups: Array<DeltaGroup & Json>; userIds: Set<string>; softDeleted: Set<string> },
  ): Json | null {
    let roundId = request.skipToken?.split('.')[0] ?? null;
    let offset = Number(request.skipToken?.split('.')[1] ?? 0);
    if (!roundId) {
      // A link carries the query of the request that started the chain (Graph encodes it in the token): its $select.
      const since = request.deltaToken !== null && request.deltaToken !== 'latest' ? this.snapshots.get(request.deltaToken) : null;
      if (since === undefined || (since && since.kind !== kind)) return null;
      const snapshotToken = this.snapshot(kind, since?.select ?? request.select, current);
      if (request.deltaToken === 'latest') return this.body(kind, request.baseUrl, [], { deltaToken: snapshotToken });
      const objects = since
        ? this.changes(kind, since, current)
        : kind === 'users'
          ? current.users.map((u) => this.selected(u, request.select))
          : this.initialGroups(request.select, current);
      roundId = randomBytes(9).toString('base64url');
      // Kept after its last page too: a nextLink followed again (a resumed sync) answers the same page.
      this.rounds.set(roundId, { kind, objects, deltaToken: snapshotToken });
      while (this.rounds.size > KEPT_SNAPSHOTS) this.rounds.delete(this.rounds.keys().next().value!);
      offset = 0;
    }
    const round = this.rounds.get(roundId);
    if (!round || round.kind !== kind) return null;
    const value = round.objects.slice(offset, offset + request.pageSize);
    const end = offset + request.pageSize >= round.objects.length;
    return this.body(
      kind,
      request.baseUrl,
      value,
      end ? { deltaToken: round.deltaToken } : { skipToken: `${roundId}.${offset + request.pageSize}` },
    );
  }

  private body(kind: Kind, baseUrl: string, value: Json[], link: { deltaToken: string } | { skipToken: string }): Json {
    // Tokens are base64url: the link reads as Graph's do (`?$deltatoken=...`), nothing to escape.
    const url = `${baseUrl}/v1.0/${kind}/delta?${'deltaToken' in link ? `$deltatoken=${link.deltaToken}` : `$skiptoken=${link.skipToken}`}`;
    return {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${kind}`,
      value,
      ['deltaToken' in link ? '@odata.deltaLink' : '@odata.nextLink']: url,
    };
  }

  private snapshot(
    kind: Kind,
    select: string[],
    current: { users: Json[]; groups: Array<DeltaGroup & Json>; userIds: Set<string> },
  ): string {
    const objects = new Map<string, { properties: string; members?: Map<string, string> }>();
    if (kind === 'users') for (const user of current.users) objects.set(user.id as string, { properties: this.properties(user, select) });
    else
      for (const group of current.groups)
        objects.set(group.id, {
          properties: this.properties(group, select),
          // With each member's type, so one removed later (a deleted user) is still reported as the user it was.
          members: new Map(
            select.includes('members') ? group.members.map((id) => [id, this.member(id, current.userIds)['@odata.type'] as string]) : [],
          ),
        });
    const token = randomBytes(18).toString('base64url');
    this.snapshots.set(token, { kind, select, objects });
    while (this.snapshots.size > KEPT_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
    return token;
  }

  /** The selected plain properties (members are a relationship, reported as members@delta), as JSON. */
  private properties(object: Json, select: string[]): string {
    return JSON.stringify(this.selected(object, select));
  }

  private selected(object: Json, select: string[]): Json {
    const names = select.length ? select : Object.keys(object);
    const out: Json = { id: object.id };
    for (const name of names) if (name !== 'members' && name !== 'id' && name in object) out[name] = object[name];
    return out;
  }

  private member(id: string, userIds: Set<string>): Json {
    return { '@odata.type': userIds.has(id) ? '#microsoft.graph.user' : '#microsoft.graph.device', id };
  }

  private initialGroups(select: string[], current: { groups: Array<DeltaGroup & Json>; userIds: Set<string> }): Json[] {
    return current.groups.map((group) => ({
      ...this.selected(group, select),
      ...(select.includes('members') ? { 'members@delta': group.members.map((id) => this.member(id, current.userIds)) } : {}),
    }));
  }

  private changes(
    kind: Kind,
    since: Snapshot,
    current: { users: Json[]; groups: Array<DeltaGroup & Json>; userIds: Set<string>; softDeleted: Set<string> },
  ): Json[] {
    const out: Json[] = [];
    const present = new Set<string>();
    const removed = (id: string): Json => ({ id, '@removed': { reason: current.softDeleted.has(id) ? 'changed' : 'deleted' } });
    if (kind === 'users') {
      for (const user of current.users) {
        const id = user.id as string;
        present.add(id);
        const properties = this.properties(user, since.select);
        if (since.objects.get(id)?.properties !== properties) out.push(JSON.parse(properties) as Json);
      }
    } else {
      for (const group of current.groups) {
        present.add(group.id);
        const before = since.objects.get(group.id);
        const properties = this.properties(group, since.select);
        const memberChanges: Json[] = [];
        if (since.select.includes('members')) {
          const now = new Set(group.members);
          for (const id of group.members) if (!before?.members?.has(id)) memberChanges.push(this.member(id, current.userIds));
          for (const [id, type] of before?.members ?? [])
            if (!now.has(id)) memberChanges.push({ '@odata.type': type, id, '@removed': { reason: 'deleted' } });
        }
        if (before?.properties === properties && memberChanges.length === 0) continue;
        out.push({ ...(JSON.parse(properties) as Json), ...(memberChanges.length ? { 'members@delta': memberChanges } : {}) });
      }
    }
    for (const id of since.objects.keys()) if (!present.has(id)) out.push(removed(id));
    return out;
  }
}
