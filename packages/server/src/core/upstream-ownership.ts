import { GraphQLError } from 'graphql';

/**
 * Which integration keeps a group's name and members in step with upstream (SCIM, a directory sync). Features
 * that let an admin edit a group ask it; the integrations feature answers (the roof wires it), so neither
 * names the other.
 */
export interface UpstreamOwnership {
  /** The name of the integration managing this group of the account, or null when the group is Roster's own. */
  groupManager(accountId: string, groupId: string): Promise<string | null>;
}

/** An edit of what upstream owns: it would be undone by the next push or sync, so it is refused with the place to make it. */
export const MANAGED_BY_INTEGRATION = 'MANAGED_BY_INTEGRATION';

export async function refuseIfGroupManaged(ownership: UpstreamOwnership, accountId: string, groupId: string, doing: string): Promise<void> {
  const manager = await ownership.groupManager(accountId, groupId);
  if (manager)
    throw new GraphQLError(
      `The ${manager} integration manages this group's name and members, so ${doing} here would be undone by its next sync. Make the change in ${manager}; Roster follows it.`,
      { extensions: { code: MANAGED_BY_INTEGRATION, integration: manager } },
    );
}
