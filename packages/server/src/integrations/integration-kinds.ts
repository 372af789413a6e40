import { registerEnumType } from 'type-graphql';
import { Role } from '../core/viewer.js';

export enum IntegrationType {
  SCIM = 'SCIM',
  MICROSOFT_ENTRA = 'MICROSOFT_ENTRA',
  GOOGLE_WORKSPACE = 'GOOGLE_WORKSPACE',
  LDAP = 'LDAP',
  CONNECTWISE = 'CONNECTWISE',
  AUTOTASK = 'AUTOTASK',
  IT_GLUE = 'IT_GLUE',
  HUDU = 'HUDU',
}
registerEnumType(IntegrationType, {
  name: 'IntegrationType',
  description: 'The outside platform an integration connects to.',
  valuesConfig: {
    SCIM: { description: 'An identity provider (Okta, Entra ID, JumpCloud, OneLogin) pushing users and groups over SCIM 2.0.' },
    MICROSOFT_ENTRA: { description: 'Microsoft Entra ID, read through Microsoft Graph.' },
    GOOGLE_WORKSPACE: { description: 'Google Workspace, read through the Admin SDK Directory API.' },
    LDAP: { description: 'An LDAP directory (on-premises Active Directory, OpenLDAP), read with a simple bind and paged searches.' },
    CONNECTWISE: { description: 'ConnectWise Manage (PSA): companies and contacts.' },
    AUTOTASK: { description: 'Autotask (PSA): companies and contacts.' },
    IT_GLUE: { description: 'IT Glue (documentation): organizations, contacts and passwords.' },
    HUDU: { description: 'Hudu (documentation): companies and asset passwords.' },
  },
});

export enum IntegrationStatus {
  NOT_TESTED = 'NOT_TESTED',
  CONNECTED = 'CONNECTED',
  ERROR = 'ERROR',
  DISABLED = 'DISABLED',
}
registerEnumType(IntegrationStatus, {
  name: 'IntegrationStatus',
  description: 'Whether an integration is working.',
  valuesConfig: {
    NOT_TESTED: {
      description:
        'A pull integration saved but not proven yet: no connection test of the saved integration or sync has run since it was set up (or enabled again without a known result). The first one makes it CONNECTED or ERROR.',
    },
    CONNECTED: {
      description:
        'Working: the last connection test or sync succeeded. For SCIM: enabled (see lastRequestAt for whether the identity provider has called).',
    },
    ERROR: { description: 'The last connection test or sync failed; see lastError.' },
    DISABLED: { description: 'Turned off by an admin: no syncs run and SCIM requests are refused.' },
  },
});

export enum ExternalResourceType {
  USER = 'USER',
  GROUP = 'GROUP',
  COMPANY = 'COMPANY',
  /** A password in a company's vault (sync run items only; vault items carry their own source). */
  VAULT_ITEM = 'VAULT_ITEM',
}

export enum UpstreamRemovalAction {
  SUSPEND = 'SUSPEND',
  KEEP = 'KEEP',
}
registerEnumType(UpstreamRemovalAction, {
  name: 'UpstreamRemovalAction',
  description: 'What happens to a user who disappears or is deactivated upstream.',
  valuesConfig: {
    SUSPEND: { description: 'Suspend the user (never delete): they cannot sign in until restored.' },
    KEEP: { description: 'Keep the user as they are.' },
  },
});

/** The admin's choices for an integration, stored as JSON on the integration. */
export interface IntegrationOptions {
  /** True: new upstream users are invited at once; false: staged for an admin's review. */
  autoInvite: boolean;
  /** Send invitation emails to users this integration brings in (SSO/SCIM users often should not get one). */
  sendInvitationEmails: boolean;
  defaultRole: Role;
  onUpstreamRemoval: UpstreamRemovalAction;
  /** A sync that would suspend more than this percentage of the integration's users stops and asks first. */
  suspendThresholdPercent: number;
}

export const defaultIntegrationOptions = (type: IntegrationType): IntegrationOptions => ({
  autoInvite: true,
  // Every user brought in gets an invitation email unless an admin turns it off (SSO-only tenants); a SCIM user
  // left at "Invitation pending" with nothing sent was a user nobody told.
  sendInvitationEmails: true,
  defaultRole: Role.MEMBER,
  onUpstreamRemoval: UpstreamRemovalAction.SUSPEND,
  suspendThresholdPercent: 10,
});

export function parseIntegrationOptions(type: IntegrationType, json: string): IntegrationOptions {
  return { ...defaultIntegrationOptions(type), ...(JSON.parse(json) as Partial<IntegrationOptions>) };
}

/**
 * The settings (credential fields) that decide where an integration's credentials are sent: a host, a tenant,
 * a region. Stored secrets only ever go to the destination they were typed for, so changing one of these
 * requires every secret again (CREDENTIALS_REQUIRED), and a connection test to another destination never uses
 * the stored secrets. Every type is listed so that a new one must say; a connector not built yet has none.
 */
const DESTINATION_SETTINGS: Record<IntegrationType, readonly string[]> = {
  [IntegrationType.SCIM]: [],
  // The token request goes to the login host under this tenant.
  [IntegrationType.MICROSOFT_ENTRA]: ['tenantId'],
  // The token endpoint and Directory API are fixed by configuration (GOOGLE_OAUTH_TOKEN_URL, GOOGLE_DIRECTORY_BASE_URL);
  // no credential field moves the key elsewhere (the JSON key's own token_uri is not used).
  [IntegrationType.GOOGLE_WORKSPACE]: [],
  // The bind DN and password are sent to the server this URL names.
  [IntegrationType.LDAP]: ['url'],
  // The Manage server's host (or on-premise origin) receives the API keys.
  [IntegrationType.CONNECTWISE]: ['site'],
  // The zone is Autotask's answer for the API user name (discovery's host is configuration, AUTOTASK_ZONE_DISCOVERY_URL),
  // so the user name decides where the secret goes: a new name needs the secret typed again.
  [IntegrationType.AUTOTASK]: ['username'],
  // The region (or API origin) whose host receives the API key.
  [IntegrationType.IT_GLUE]: ['region'],
  // The customer's own Hudu server receives the API key.
  [IntegrationType.HUDU]: ['baseUrl'],
};

export function destinationSettings(type: IntegrationType): readonly string[] {
  return DESTINATION_SETTINGS[type];
}

/**
 * What a new integration says before anything proved it: SCIM is pushed to and works once its token is pasted; a pull
 * integration is NOT_TESTED until its first test or sync (the wizard's test of unsaved credentials may have failed and
 * been saved anyway). Enabling a disabled one gives back what is still known: its last error, a past successful sync,
 * or nothing (NOT_TESTED).
 */
export function initialStatus(type: IntegrationType): IntegrationStatus {
  return type === IntegrationType.SCIM ? IntegrationStatus.CONNECTED : IntegrationStatus.NOT_TESTED;
}

export function statusWhenEnabled(integration: {
  type: IntegrationType;
  lastError: string | null;
  lastSyncAt: Date | null;
}): IntegrationStatus {
  if (integration.type === IntegrationType.SCIM) return IntegrationStatus.CONNECTED;
  if (integration.lastError) return IntegrationStatus.ERROR;
  return integration.lastSyncAt ? IntegrationStatus.CONNECTED : IntegrationStatus.NOT_TESTED;
}
