import { OutboundError } from '../../core/http/outbound-http.js';
import { IntegrationType } from '../integration-kinds.js';
import type { Connector, ConnectorEnvironment } from './connector.js';
import { EntraConnector } from './microsoft-entra/entra-connector.js';
import { connectWiseApiBase, ConnectWiseConnector } from './connectwise/connectwise-connector.js';
import { itGlueApiBase, ItGlueConnector } from './it-glue/it-glue-connector.js';
import { AutotaskConnector, autotaskZoneInformationUrl } from './autotask/autotask-connector.js';
import { huduApiBase, HuduConnector } from './hudu/hudu-connector.js';
import { GoogleWorkspaceConnector } from './google-workspace/google-workspace-connector.js';
import { LdapConnector } from './ldap/ldap-connector.js';
import { DEFAULT_GROUP_FILTER, DEFAULT_USER_FILTER, ldapDestinations } from './ldap/ldap-settings.js';

export interface CredentialField {
  name: string;
  label: string;
  /** Secret fields are typed into a password box and never echoed, not even their length. */
  secret: boolean;
  required: boolean;
  help: string | null;
  /** How the form asks for it (default TEXT: one line, a password box when secret). */
  control?: CredentialFieldControl;
}

/** TEXT: one line. MULTILINE: a text area (a PEM certificate). YES_NO: a yes-or-no choice; the value is yes or no. */
export type CredentialFieldControl = 'TEXT' | 'MULTILINE' | 'YES_NO';

export interface IntegrationKind {
  type: IntegrationType;
  displayName: string;
  description: string;
  credentialFields: CredentialField[];
  capabilities: { users: boolean; groups: boolean; companies: boolean; passwords: boolean };
  /** True for SCIM: the other side pushes; Roster never pulls. */
  pushOnly: boolean;
  /** Builds the connector from opened credentials; absent for push-only types and types not built yet. */
  connect?: (credentials: Record<string, string>, env: ConnectorEnvironment) => Connector;
  /** The URLs the connector will send these credentials to, so a forbidden one is refused before anything is saved. */
  destinations?: (credentials: Record<string, string>, env: ConnectorEnvironment) => string[];
}

const field = (name: string, label: string, secret: boolean, help: string | null = null, required = true): CredentialField => ({
  name,
  label,
  secret,
  required,
  help,
});

/** Every integration type Roster can set up, with what it needs and what it brings in. */
export const integrationKinds: IntegrationKind[] = [
  {
    type: IntegrationType.SCIM,
    displayName: 'SCIM 2.0 (Okta, Entra ID, JumpCloud, OneLogin)',
    description:
      'Your identity provider pushes users and groups to Roster. Roster gives you a base URL and a bearer token to paste into it.',
    credentialFields: [],
    capabilities: { users: true, groups: true, companies: false, passwords: false },
    pushOnly: true,
  },
  {
    type: IntegrationType.MICROSOFT_ENTRA,
    displayName: 'Microsoft Entra ID',
    description:
      'Reads users and groups from Microsoft Entra ID (Azure AD) through Microsoft Graph, on demand and on a schedule. Needs an app registration with the application permissions User.Read.All and GroupMember.Read.All, admin consent granted.',
    credentialFields: [
      field('tenantId', 'Directory (tenant) ID', false, 'On the app registration’s Overview page.'),
      field('clientId', 'Application (client) ID', false, 'On the app registration’s Overview page.'),
      field('clientSecret', 'Client secret value', true, 'Certificates & secrets → New client secret; copy its Value, not its Secret ID.'),
    ],
    capabilities: { users: true, groups: true, companies: false, passwords: false },
    pushOnly: false,
    destinations: (_credentials, env) => [env.microsoftLoginBaseUrl, env.microsoftGraphBaseUrl],
    connect: (credentials, env) =>
      new EntraConnector(
        { tenantId: credentials.tenantId ?? '', clientId: credentials.clientId ?? '', clientSecret: credentials.clientSecret ?? '' },
        env,
      ),
  },
  {
    type: IntegrationType.GOOGLE_WORKSPACE,
    displayName: 'Google Workspace',
    description:
      'Reads users and groups from Google Workspace through the Admin SDK Directory API, on demand and on a schedule. Needs a service account with domain-wide delegation of the scopes admin.directory.user.readonly, admin.directory.group.readonly and admin.directory.group.member.readonly, acting as an administrator who may read users and groups.',
    credentialFields: [
      field(
        'serviceAccountKey',
        'Service account JSON key',
        true,
        'Google Cloud console → IAM & Admin → Service accounts → Keys → Add key → JSON; paste the whole file.',
      ),
      field('adminEmail', 'Administrator email', false, 'The administrator the service account acts as (domain-wide delegation).'),
      field(
        'customerId',
        'Customer ID',
        false,
        'Admin console → Account → Account settings (C0…); leave empty for your own (my_customer).',
        false,
      ),
      field(
        'domain',
        'Domain',
        false,
        'Only the users and groups of this domain, for an account with several domains (e.g. clients.example.com); leave empty for all.',
        false,
      ),
      field(
        'orgUnitPath',
        'Organizational unit',
        false,
        'Only the users of this org unit, by its full path (e.g. /Sales); groups are read whole and keep only the members brought in. Leave empty for all users.',
        false,
      ),
      field(
        'includeSubOrgUnits',
        'Include sub-units',
        false,
        'yes (default): the org unit’s users and those of every unit under it; no: only the users placed directly in it.',
        false,
      ),
    ],
    capabilities: { users: true, groups: true, companies: false, passwords: false },
    pushOnly: false,
    // Google's endpoints come from configuration, never from the credentials: the key only goes there.
    destinations: (_credentials, env) => [env.googleOAuthTokenUrl, env.googleDirectoryBaseUrl],
    connect: (credentials, env) =>
      new GoogleWorkspaceConnector(
        {
          serviceAccountKey: credentials.serviceAccountKey ?? '',
          adminEmail: credentials.adminEmail ?? '',
          customerId: credentials.customerId || 'my_customer',
          domain: credentials.domain,
          orgUnitPath: credentials.orgUnitPath,
          includeSubOrgUnits: credentials.includeSubOrgUnits,
        },
        env,
      ),
  },
  {
    type: IntegrationType.LDAP,
    displayName: 'LDAP / Active Directory',
    description:
      'Reads users and groups from an on-premises Active Directory or another LDAP directory (OpenLDAP, FreeIPA), on demand and on a schedule: a simple bind with a read-only service account, over ldaps:// or StartTLS, and paged searches under a base DN. Disabled AD accounts are suspended; AD’s objectGUID keeps users linked through renames and moves. The server must be reachable from Roster.',
    credentialFields: [
      field('url', 'Server URL', false, 'ldaps://dc1.example.com (port 636), or ldap://dc1.example.com:389 with StartTLS.'),
      field(
        'bindDn',
        'Bind DN',
        false,
        'A read-only service account: its DN (cn=roster,ou=Service,dc=example,dc=com) or, on AD, roster@example.com.',
      ),
      field('bindPassword', 'Bind password', true, 'The service account’s password.'),
      field(
        'baseDn',
        'Base DN',
        false,
        'Where users and groups are searched (subtree), e.g. dc=example,dc=com or ou=Staff,dc=example,dc=com.',
      ),
      field(
        'userFilter',
        'User filter',
        false,
        `Default ${DEFAULT_USER_FILTER}; on AD e.g. (&(objectCategory=person)(objectClass=user)).`,
        false,
      ),
      field('groupFilter', 'Group filter', false, `Default ${DEFAULT_GROUP_FILTER}.`, false),
      { ...field('startTls', 'Use StartTLS', false, 'Upgrade an ldap:// connection to TLS before binding.', false), control: 'YES_NO' },
      {
        ...field(
          'caCertificate',
          'CA certificate',
          false,
          'PEM of the CA that signed the server’s certificate, when it is not publicly trusted (an internal AD CS CA).',
          false,
        ),
        control: 'MULTILINE',
      },
      {
        ...field(
          'nestedGroups',
          'Nested groups',
          false,
          'Count the members of groups inside a group as its members (AD group nesting).',
          false,
        ),
        control: 'YES_NO',
      },
      field('emailAttribute', 'Email attribute', false, 'Default mail, then userPrincipalName.', false),
      field('nameAttribute', 'Name attribute', false, 'Default displayName, then givenName and sn.', false),
    ],
    capabilities: { users: true, groups: true, companies: false, passwords: false },
    pushOnly: false,
    destinations: (credentials) => ldapDestinations(credentials),
    connect: (credentials, env) => new LdapConnector(credentials, env),
  },
  {
    type: IntegrationType.CONNECTWISE,
    displayName: 'ConnectWise Manage',
    description:
      'Reads client companies and their contacts from ConnectWise Manage (PSA): companies are created or matched by name, contacts with an email address are brought in as users of their company.',
    credentialFields: [
      field(
        'site',
        'Site',
        false,
        'Your Manage API host, e.g. api-na.myconnectwise.net (or the https:// address of an on-premise server).',
      ),
      field('companyId', 'Company ID', false, 'The company id you sign in to Manage with.'),
      field('publicKey', 'Public key', false, 'System → Members → API Members → API Keys.'),
      field('privateKey', 'Private key', true, 'Shown once when the API key is made.'),
      field('clientId', 'Client ID', false, 'From developer.connectwise.com → Client IDs.'),
    ],
    capabilities: { users: true, groups: false, companies: true, passwords: false },
    pushOnly: false,
    destinations: (credentials) => [connectWiseApiBase(credentials.site ?? '')],
    connect: (credentials, env) =>
      new ConnectWiseConnector(
        {
          site: credentials.site ?? '',
          companyId: credentials.companyId ?? '',
          publicKey: credentials.publicKey ?? '',
          privateKey: credentials.privateKey ?? '',
          clientId: credentials.clientId ?? '',
        },
        env,
      ),
  },
  {
    type: IntegrationType.AUTOTASK,
    displayName: 'Autotask PSA',
    description:
      'Reads active client companies and their active contacts from Datto Autotask PSA: companies of the chosen types are created or matched by name, contacts with an email address are brought in as users of their company (those without one are listed as skipped). Needs an API user (API-only security level that may read Companies and Contacts) and its tracking identifier.',
    credentialFields: [
      field('username', 'API user name', false, 'Admin → Resources (Users) → the API user’s Username (Key), e.g. roster@example.com.'),
      field('secret', 'Secret', true, 'The API user’s Password (Secret).'),
      field(
        'integrationCode',
        'API integration code',
        false,
        'The API user’s Tracking Identifier (Custom (Internal Integration)), sent as ApiIntegrationCode.',
      ),
      field(
        'companyTypes',
        'Company types',
        false,
        'Which companies to bring in: Customer (default), or several, e.g. Customer, Partner (Lead, Prospect, Dead, Cancellation, Vendor, Partner, or their numbers).',
        false,
      ),
    ],
    capabilities: { users: true, groups: false, companies: true, passwords: false },
    pushOnly: false,
    // Zone discovery is on a configured host; the zone it answers is checked like every outbound address when called.
    destinations: (credentials, env) => [autotaskZoneInformationUrl(env.autotaskZoneDiscoveryUrl, credentials.username ?? '')],
    connect: (credentials, env) =>
      new AutotaskConnector(
        {
          username: credentials.username ?? '',
          secret: credentials.secret ?? '',
          integrationCode: credentials.integrationCode ?? '',
          companyTypes: credentials.companyTypes,
        },
        env,
      ),
  },
  {
    type: IntegrationType.IT_GLUE,
    displayName: 'IT Glue',
    description:
      'Reads organizations, their contacts and their passwords from IT Glue: organizations become companies (matched by name, or to the company a PSA integration brought in by the PSA id IT Glue carries), contacts with an email address become users of their company, and passwords go to the company’s vault, sealed.',
    credentialFields: [
      field('region', 'Region', false, 'US, EU or AU: the IT Glue data centre your account is in.'),
      field('apiKey', 'API key', true, 'Account → Settings → API Keys → Custom API Keys, with Password Access to bring in passwords.'),
    ],
    capabilities: { users: true, groups: false, companies: true, passwords: true },
    pushOnly: false,
    destinations: (credentials) => [itGlueApiBase(credentials.region ?? '')],
    connect: (credentials, env) => new ItGlueConnector({ region: credentials.region ?? '', apiKey: credentials.apiKey ?? '' }, env),
  },
  {
    type: IntegrationType.HUDU,
    displayName: 'Hudu',
    description:
      'Reads companies and their asset passwords from your Hudu server: companies are created or matched by name, and passwords (with their OTP secrets) go to the company’s vault, sealed. Archived in Hudu means archived here.',
    credentialFields: [
      field('baseUrl', 'Hudu address', false, 'The address you open Hudu at, e.g. https://docs.example.com.'),
      field('apiKey', 'API key', true, 'Admin → API Keys → New API key, with password access, not limited to one company.'),
    ],
    capabilities: { users: false, groups: false, companies: true, passwords: true },
    pushOnly: false,
    destinations: (credentials) => [huduApiBase(credentials.baseUrl ?? '')],
    connect: (credentials, env) => new HuduConnector({ baseUrl: credentials.baseUrl ?? '', apiKey: credentials.apiKey ?? '' }, env),
  },
];

export function integrationKind(type: IntegrationType): IntegrationKind | undefined {
  return integrationKinds.find((kind) => kind.type === type);
}

/**
 * Why Roster may not send these credentials where they point (plain http, a private or loopback address), or
 * null. Checked when credentials are saved, so the administrator hears it at once; every request is checked
 * again when it connects. A name that does not resolve now is not refused here (DNS may be down for a moment).
 */
export async function destinationRefusal(
  kind: IntegrationKind,
  credentials: Record<string, string>,
  env: ConnectorEnvironment,
): Promise<string | null> {
  for (const url of kind.destinations?.(credentials, env) ?? []) {
    try {
      await env.http.check(url);
    } catch (error) {
      if (!(error instanceof OutboundError)) throw error;
      if (error.failure === 'REFUSED') return error.message;
    }
  }
  return null;
}
