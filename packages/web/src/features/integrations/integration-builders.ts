/**
 * Test builders: integrations, their types and sync runs as the API returns them (with __typename so Apollo's
 * cache keeps them whole). Each call makes a fresh object; overrides say what a test is about.
 */

export function aCredentialField(
  overrides: Partial<{
    name: string;
    label: string;
    help: string | null;
    required: boolean;
    secret: boolean;
    destination: boolean;
    control: 'TEXT' | 'MULTILINE' | 'YES_NO';
  }> = {},
) {
  return {
    __typename: 'CredentialField',
    name: 'tenantId',
    label: 'Directory (tenant) ID',
    help: null,
    required: true,
    secret: false,
    destination: false,
    control: 'TEXT',
    ...overrides,
  };
}

/** Hudu as the server lists it: companies and passwords, no users; its address is where the key goes. */
export function aHuduType() {
  return {
    __typename: 'IntegrationTypeInfo',
    type: 'HUDU',
    displayName: 'Hudu',
    description: 'Reads companies and their asset passwords from your Hudu server.',
    pushOnly: false,
    capabilities: { __typename: 'IntegrationCapabilities', users: false, groups: false, companies: true, passwords: true },
    credentialFields: [
      aCredentialField({ name: 'baseUrl', label: 'Hudu address', destination: true }),
      aCredentialField({ name: 'apiKey', label: 'API key', secret: true }),
    ],
  };
}

export function anIntegrationType(type: 'SCIM' | 'MICROSOFT_ENTRA' | 'CONNECTWISE' = 'MICROSOFT_ENTRA') {
  const scim = type === 'SCIM';
  return {
    __typename: 'IntegrationTypeInfo',
    type,
    displayName: scim
      ? 'SCIM 2.0 (Okta, Entra ID, JumpCloud, OneLogin)'
      : type === 'CONNECTWISE'
        ? 'ConnectWise Manage'
        : 'Microsoft Entra ID',
    description: scim ? 'Your identity provider pushes users and groups to Roster.' : 'Reads users and groups through Microsoft Graph.',
    pushOnly: scim,
    capabilities: {
      __typename: 'IntegrationCapabilities',
      users: true,
      groups: type !== 'CONNECTWISE',
      companies: type === 'CONNECTWISE',
      passwords: false,
    },
    credentialFields: scim
      ? []
      : [
          aCredentialField({ name: 'tenantId', label: 'Directory (tenant) ID', destination: true }),
          aCredentialField({ name: 'clientId', label: 'Application (client) ID' }),
          aCredentialField({
            name: 'clientSecret',
            label: 'Client secret value',
            secret: true,
            help: 'Copy its Value, not its Secret ID.',
          }),
        ],
  };
}

let runSeq = 0;
export function aSyncRun(
  overrides: Partial<{
    id: string;
    integrationId: string;
    state: string;
    dryRun: boolean;
    incremental: boolean;
    note: string | null;
    trigger: string;
    requestedBy: string | null;
    error: string | null;
    pendingSuspensions: number;
    pendingGroupDeletions: number;
    pendingVaultArchives: number;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    counts: Partial<
      Record<'created' | 'updated' | 'suspended' | 'skipped' | 'failed' | 'linked' | 'restored' | 'kept' | 'unchanged' | 'deleted', number>
    >;
  }> = {},
) {
  runSeq += 1;
  const { counts, ...rest } = overrides;
  return {
    __typename: 'SyncRun',
    id: `run-${runSeq}`,
    integrationId: 'int-1',
    state: 'SUCCEEDED',
    stage: 'DONE',
    dryRun: false,
    incremental: false,
    note: null,
    trigger: 'MANUAL',
    requestedBy: 'Olivia Owner',
    error: null,
    pendingSuspensions: 0,
    pendingGroupDeletions: 0,
    pendingVaultArchives: 0,
    createdAt: new Date(Date.now() - 2 * 3600 * 1000).toISOString(),
    startedAt: new Date(Date.now() - 2 * 3600 * 1000).toISOString(),
    finishedAt: new Date(Date.now() - 2 * 3600 * 1000 + 42_000).toISOString(),
    counts: {
      __typename: 'SyncCountsType',
      created: 0,
      updated: 0,
      suspended: 0,
      skipped: 0,
      failed: 0,
      linked: 0,
      restored: 0,
      kept: 0,
      unchanged: 0,
      deleted: 0,
      ...counts,
    },
    ...rest,
  };
}

export function anIntegration(
  overrides: Partial<{
    id: string;
    name: string;
    type: 'SCIM' | 'MICROSOFT_ENTRA' | 'CONNECTWISE';
    status: 'NOT_TESTED' | 'CONNECTED' | 'ERROR' | 'DISABLED';
    lastError: string | null;
    lastRequestAt: string | null;
    lastSyncAt: string | null;
    nextSyncAt: string | null;
    syncIntervalMinutes: number | null;
    activeRun: ReturnType<typeof aSyncRun> | null;
    lastRun: ReturnType<typeof aSyncRun> | null;
    credentialFieldsSet: string[];
    scimTokenPrefix: string | null;
    options: Partial<{
      autoInvite: boolean;
      sendInvitationEmails: boolean;
      defaultRole: string;
      onUpstreamRemoval: string;
      suspendThresholdPercent: number;
    }>;
  }> = {},
) {
  const type = overrides.type ?? 'MICROSOFT_ENTRA';
  const scim = type === 'SCIM';
  const { options, ...rest } = overrides;
  return {
    __typename: 'Integration',
    id: 'int-1',
    name: scim ? 'Okta' : 'Contoso Entra',
    type,
    status: 'CONNECTED',
    lastError: null,
    // A SCIM integration whose identity provider has called (null: "Waiting for first request").
    lastRequestAt: scim ? new Date(Date.now() - 5 * 60_000).toISOString() : null,
    lastSyncAt: scim ? null : new Date(Date.now() - 2 * 3600 * 1000).toISOString(),
    nextSyncAt: scim ? null : new Date(Date.now() + 3.5 * 3600 * 1000).toISOString(),
    syncIntervalMinutes: scim ? null : 1440,
    activeRun: null,
    lastRun: null,
    createdAt: '2026-01-05T10:00:00.000Z',
    updatedAt: '2026-01-05T10:00:00.000Z',
    hasCredentials: !scim,
    credentialFieldsSet: scim ? [] : ['tenantId', 'clientId', 'clientSecret'],
    scimBaseUrl: scim ? 'https://roster.example.com/scim/v2' : null,
    scimTokenPrefix: scim ? 'rst_scim_ab12' : null,
    scimTokenRotatedAt: scim ? '2026-01-05T10:00:00.000Z' : null,
    options: {
      __typename: 'IntegrationOptionsType',
      autoInvite: true,
      sendInvitationEmails: !scim,
      defaultRole: 'MEMBER',
      onUpstreamRemoval: 'SUSPEND',
      suspendThresholdPercent: 10,
      ...options,
    },
    ...rest,
  };
}

/** One line of a SCIM integration's activity: a change its identity provider made, or a request Roster refused. */
export function aScimActivityItem(
  kind: 'CREATED' | 'UPDATED' | 'DEACTIVATED' | 'REACTIVATED' | 'REMOVED' | 'ERROR',
  overrides: Partial<{
    at: string;
    action: string | null;
    target: string | null;
    method: string | null;
    path: string | null;
    status: number | null;
    detail: string | null;
  }> = {},
) {
  return {
    __typename: 'ScimActivityItem',
    kind,
    at: new Date(Date.now() - 60_000).toISOString(),
    action: kind === 'ERROR' ? null : 'user.invited',
    target: kind === 'ERROR' ? null : 'kim@contoso.example',
    method: kind === 'ERROR' ? 'POST' : null,
    path: kind === 'ERROR' ? '/Users' : null,
    status: kind === 'ERROR' ? 409 : null,
    detail: kind === 'ERROR' ? 'A user with this userName already exists.' : null,
    ...overrides,
  };
}

export function aRunItem(
  position: number,
  overrides: Partial<{
    resourceType: string;
    externalId: string | null;
    label: string;
    action: string;
    localId: string | null;
    message: string | null;
  }> = {},
) {
  return {
    __typename: 'SyncRunItem',
    position,
    resourceType: 'USER',
    externalId: `ext-${position}`,
    label: `user${position}@contoso.example`,
    action: 'CREATED',
    localId: null,
    message: null,
    ...overrides,
  };
}

/** A connection of any node type, as the API pages lists. */
export function aPage<T>(
  typename: string,
  nodes: T[],
  key: (node: T) => string,
  options: { totalCount?: number; hasNextPage?: boolean } = {},
) {
  return {
    __typename: `${typename}Connection`,
    totalCount: options.totalCount ?? nodes.length,
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: options.hasNextPage ?? false,
      hasPreviousPage: false,
      startCursor: nodes.length ? `c:${key(nodes[0]!)}` : null,
      endCursor: nodes.length ? `c:${key(nodes[nodes.length - 1]!)}` : null,
    },
    edges: nodes.map((node) => ({ __typename: `${typename}Edge`, cursor: `c:${key(node)}`, node })),
  };
}
