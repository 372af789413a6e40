/**
 * What an API key may do. Every root field of the schema (Query, Mutation, Subscription) is listed in
 * FIELD_ACCESS, the one place that says who may call it; a test built from the schema fails when a field is
 * missing, so a new operation cannot ship without a decision. Checked once per operation, before execution,
 * by the authorization plugin (no per-field middleware: it would run on every field of every list row).
 */
export const API_SCOPES = {
  'users:read': 'Read users, companies and groups, and receive live user events.',
  'users:write':
    "Change users' roles, suspend and restore them, create, rename and delete companies and groups, and change which company or groups users belong to.",
  'invitations:write': 'Invite users, send invitations again and withdraw them.',
  'imports:read': 'Read CSV imports, their rows and their progress.',
  'imports:write': 'Preview CSV rows, change the column mapping, start and cancel imports.',
  'account:write': "Change the MSP account's settings (name, invitation lifetime).",
  'integrations:read': 'Read integrations and their sync runs.',
  'integrations:write': 'Configure integrations and start syncs.',
  'audit:read': 'Read the audit log.',
  'webhooks:read': 'Read webhook endpoints and their deliveries.',
  'webhooks:write': 'Register, change and delete webhook endpoints, roll their signing secrets and re-send deliveries.',
  'vault:read': "List companies' vault items (names, user names and URLs, never a secret) and who may reveal them.",
  'vault:write': "Add items to companies' vaults and grant or take back groups' access to them.",
  'vault:reveal': "Reveal a vault item's password, notes and current TOTP code (each reveal is audited).",
} as const satisfies Record<string, string>;

export type ApiScope = keyof typeof API_SCOPES;

export const ALL_SCOPES = Object.keys(API_SCOPES) as ApiScope[];

export function isApiScope(value: string): value is ApiScope {
  return Object.hasOwn(API_SCOPES, value);
}

/**
 * - `{ scope }`: an API key needs that scope; a signed-in administrator has every scope.
 * - `PUBLIC`: anyone, signed in or not (the resolver decides what it reveals).
 * - `SESSION`: only a signed-in person, never an API key (their own session, key management, flows a person
 *   must do themselves), so a leaked key cannot mint more keys or take over an account.
 */
export type FieldAccess = { scope: ApiScope } | 'PUBLIC' | 'SESSION';

const scope = (name: ApiScope): FieldAccess => ({ scope: name });

/** Keyed `Type.field` for the root types. */
export const FIELD_ACCESS: Readonly<Record<string, FieldAccess>> = {
  'Query.serverInfo': 'PUBLIC',
  'Query.invitationByToken': 'PUBLIC',
  'Query.me': 'SESSION',
  'Query.devMailbox': 'SESSION',
  'Query.apiKeys': 'SESSION',
  'Query.apiScopes': 'PUBLIC',
  'Query.users': scope('users:read'),
  'Query.user': scope('users:read'),
  'Query.companies': scope('users:read'),
  'Query.company': scope('users:read'),
  'Query.groups': scope('users:read'),
  'Query.group': scope('users:read'),
  'Query.importJob': scope('imports:read'),
  'Query.importJobs': scope('imports:read'),
  'Query.integrationTypes': scope('integrations:read'),
  'Query.integrations': scope('integrations:read'),
  'Query.integration': scope('integrations:read'),
  'Query.syncRuns': scope('integrations:read'),
  'Query.syncRun': scope('integrations:read'),
  'Query.auditEvents': scope('audit:read'),
  'Query.webhookEventTypes': 'PUBLIC',
  'Query.webhookEndpoints': scope('webhooks:read'),
  'Query.webhookEndpoint': scope('webhooks:read'),
  'Query.webhookDeliveries': scope('webhooks:read'),
  'Query.vaultItems': scope('vault:read'),
  'Query.vaultAccess': scope('vault:read'),

  'Mutation.signIn': 'PUBLIC',
  // Multi-factor authentication is the signed-in person's own (a key has no second factor: it is already a credential).
  'Query.mfaStatus': 'SESSION',
  'Mutation.startTotpEnrolment': 'SESSION',
  'Mutation.confirmTotpEnrolment': 'SESSION',
  'Mutation.verifySecondFactor': 'SESSION',
  'Mutation.removeMfaFactor': 'SESSION',
  'Mutation.regenerateRecoveryCodes': 'SESSION',
  'Mutation.resetUserMfa': 'SESSION',
  'Mutation.startPasskeyRegistration': 'SESSION',
  'Mutation.finishPasskeyRegistration': 'SESSION',
  // A passkey is a sign-in of its own, like signIn.
  'Mutation.startPasskeySignIn': 'PUBLIC',
  'Mutation.finishPasskeySignIn': 'PUBLIC',
  'Mutation.signOut': 'SESSION',
  // Single sign-on decides who can sign in as anyone of the account: signed-in administrators (owners to change it) only.
  'Query.ssoConnection': 'SESSION',
  'Mutation.saveSsoConnection': 'SESSION',
  'Mutation.removeSsoConnection': 'SESSION',
  'Mutation.testSsoConnection': 'SESSION',
  'Query.invitationOffersSso': 'PUBLIC',
  // A person's own sessions and password: a key signs nobody in or out.
  'Query.mySessions': 'SESSION',
  'Mutation.signOutSession': 'SESSION',
  'Mutation.signOutEverywhere': 'SESSION',
  'Mutation.changePassword': 'SESSION',
  'Mutation.switchAccount': 'SESSION',
  'Mutation.acceptInvitation': 'SESSION',
  'Mutation.createApiKey': 'SESSION',
  'Mutation.revokeApiKey': 'SESSION',
  'Mutation.updateAccountSettings': scope('account:write'),
  'Mutation.createCompany': scope('users:write'),
  'Mutation.renameCompany': scope('users:write'),
  'Mutation.deleteCompany': scope('users:write'),
  'Mutation.setUsersCompany': scope('users:write'),
  'Mutation.createGroup': scope('users:write'),
  'Mutation.updateGroup': scope('users:write'),
  'Mutation.deleteGroup': scope('users:write'),
  'Mutation.addGroupMembers': scope('users:write'),
  'Mutation.removeGroupMembers': scope('users:write'),
  'Mutation.changeUserRole': scope('users:write'),
  'Mutation.suspendUsers': scope('users:write'),
  'Mutation.restoreUsers': scope('users:write'),
  'Mutation.inviteUsers': scope('invitations:write'),
  'Query.readInviteAddresses': scope('invitations:write'),
  'Mutation.reinviteUsers': scope('invitations:write'),
  'Mutation.uninviteUsers': scope('invitations:write'),
  'Mutation.retryInvitationEmails': scope('invitations:write'),
  'Mutation.previewImport': scope('imports:write'),
  'Mutation.updateImportMapping': scope('imports:write'),
  'Mutation.startImport': scope('imports:write'),
  'Mutation.cancelImport': scope('imports:write'),
  'Mutation.createIntegration': scope('integrations:write'),
  'Mutation.updateIntegration': scope('integrations:write'),
  'Mutation.testIntegrationConnection': scope('integrations:write'),
  // It returns a new SCIM bearer token: minting credentials stays with signed-in administrators, like API keys.
  'Mutation.rotateScimToken': 'SESSION',
  'Mutation.disableIntegration': scope('integrations:write'),
  'Mutation.enableIntegration': scope('integrations:write'),
  'Mutation.deleteIntegration': scope('integrations:write'),
  'Mutation.startSync': scope('integrations:write'),
  'Mutation.confirmSync': scope('integrations:write'),
  'Mutation.cancelSync': scope('integrations:write'),
  'Mutation.createWebhookEndpoint': scope('webhooks:write'),
  'Mutation.updateWebhookEndpoint': scope('webhooks:write'),
  'Mutation.rollWebhookSecret': scope('webhooks:write'),
  'Mutation.deleteWebhookEndpoint': scope('webhooks:write'),
  'Mutation.redeliverWebhook': scope('webhooks:write'),
  'Mutation.sendTestWebhook': scope('webhooks:write'),
  'Mutation.revealVaultItem': scope('vault:reveal'),
  'Mutation.createVaultItem': scope('vault:write'),
  'Mutation.grantVaultAccess': scope('vault:write'),
  'Mutation.revokeVaultAccess': scope('vault:write'),

  'Subscription.userEvents': scope('users:read'),
  'Subscription.importJobUpdated': scope('imports:read'),
  'Subscription.syncRunUpdated': scope('integrations:read'),
};

export function accessOf(rootType: string, field: string): FieldAccess | undefined {
  return FIELD_ACCESS[`${rootType}.${field}`];
}
