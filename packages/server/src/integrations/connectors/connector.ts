import type { OutboundHttp } from '../../core/http/outbound-http.js';

/**
 * What every pull connector (directory, PSA, documentation tool) offers the sync engine. Lists are async
 * iterables of pages, so a large directory streams instead of being read into memory, and every page
 * carries the cursor of the page after it, so an interrupted run resumes where it stopped.
 */
export interface Connector {
  /** Proves the credentials work and the needed permissions are granted; throws a ConnectorError if not. */
  testConnection(): Promise<ConnectionCheck>;
  /** True when users and groups can be read as the changes since an earlier listing (ListOptions.changesSince). */
  readonly tracksChanges?: boolean;
  listUsers(cursor: string | null, options?: ListOptions): AsyncIterable<DirectoryPage<DirectoryUser>>;
  /** Groups with their members' external user ids. */
  listGroups?(cursor: string | null, options?: ListOptions): AsyncIterable<DirectoryPage<DirectoryGroup>>;
  listCompanies?(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryCompany>>;
  /** Passwords for the company vault (documentation tools: IT Glue, Hudu), read by the PASSWORDS stage. */
  listPasswords?(cursor: string | null): AsyncIterable<DirectoryPage<DirectoryPassword>>;
}

export interface ConnectionCheck {
  /** Something the admin recognises, e.g. the directory's name. */
  summary: string;
}

/** How a connector that tracks changes reads a listing; others ignore it (and so does every connector in a dry run). */
export interface ListOptions {
  /**
   * A link from the last page of an earlier listing (`DirectoryPage.changesLink`): list only what changed since, with the
   * removed objects in `removed`. Null: list everything, and end with a link for next time. A link the platform no
   * longer honours throws ConnectorError CHANGES_EXPIRED.
   */
  changesSince: string | null;
}

export interface DirectoryPage<T> {
  items: T[];
  /** Opaque resume point of the page after this one; null on the last page. */
  next: string | null;
  /** Listing changes only: upstream ids of objects removed (deleted) upstream since the link. */
  removed?: string[];
  /** Last page of a listing asked for with ListOptions: where the next listing reads the changes from. */
  changesLink?: string;
}

export interface DirectoryUser {
  externalId: string;
  /** Null when the upstream object has no usable address (it is then skipped, with the reason). */
  email: string | null;
  name: string | null;
  /** False when the account is disabled upstream. */
  active: boolean;
  /** The user's company, by its upstream id, when the platform models companies. */
  companyExternalId?: string | null;
  /** Why there is no usable address, in the platform's words, when email is null: said on the run's skipped item. */
  noEmailReason?: string;
}

export interface DirectoryGroup {
  externalId: string;
  name: string;
  description: string | null;
  memberExternalIds: string[];
  /**
   * Listing changes only: the members added and removed since the link. When present, memberExternalIds is not the
   * whole list and the group's other members stay as they are.
   */
  memberChanges?: { added: string[]; removed: string[] };
}

export interface DirectoryCompany {
  externalId: string;
  name: string;
  /** The company's id in a PSA, when a documentation tool (IT Glue) carries it: a company synced from that PSA is adopted. */
  psaId?: string | null;
  /** Which PSA that id is from, when the documentation tool says; null: any PSA integration of the account. */
  psaType?: PsaType | null;
}

/** The PSAs whose company ids a documentation tool may carry. */
export type PsaType = 'CONNECTWISE' | 'AUTOTASK';

/** A stored password; held only in memory until the vault seals it. */
export interface DirectoryPassword {
  externalId: string;
  companyExternalId: string | null;
  name: string;
  username: string | null;
  password: string;
  url: string | null;
  notes: string | null;
  /** A TOTP secret (base32), when the platform keeps one with the password. */
  totpSecret?: string | null;
}

export type ConnectorErrorCode =
  /** The credentials were refused (wrong secret, unknown client or tenant). */
  | 'AUTHENTICATION_FAILED'
  /** Signed in, but a permission or admin consent is missing. */
  | 'PERMISSION_DENIED'
  /** The platform could not be reached, or did not answer within the deadline. */
  | 'UNREACHABLE'
  /** The platform's address may not be called: plain http, or a private, loopback or link-local address. Nothing was sent. */
  | 'ADDRESS_NOT_ALLOWED'
  /** Still throttled after waiting as told. */
  | 'RATE_LIMITED'
  /** The link to read changes from has expired (or the platform asks for a full read): read everything again. */
  | 'CHANGES_EXPIRED'
  | 'UPSTREAM_ERROR';

/** A failure the admin can act on; its message never contains credentials. */
export class ConnectorError extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export interface ConnectorEnvironment {
  /** The one outbound client: public https addresses only (unless allowed), a deadline per request. */
  http: OutboundHttp;
  /** Abandons every request of the connector (the run was cancelled, its lease lost, its pass is over). */
  signal?: AbortSignal;
  /** Waits before a retry; tests may shorten it. */
  sleep: (ms: number) => Promise<void>;
  microsoftLoginBaseUrl: string;
  microsoftGraphBaseUrl: string;
  /** Google's token endpoint (the whole URL) and the Admin SDK base URL (`{base}/admin/directory/v1/...`). */
  googleOAuthTokenUrl: string;
  googleDirectoryBaseUrl: string;
  /** Where Autotask's zone discovery is asked for the API user's REST base URL (default https://webservices.autotask.net). */
  autotaskZoneDiscoveryUrl?: string;
  /** Entries per page of an LDAP paged search (default 500, under AD's MaxPageSize); tests make it small. */
  ldapPageSize?: number;
}

export const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
