import { assertMayActOn, assertMayGrant, rolePlural } from '../accounts/index.js';
import { badInput, IntegrationErrorCode, integrationError } from '../core/errors.js';
import type { Viewer } from '../core/viewer.js';
import type { IntegrationKind } from './connectors/catalog.js';
import type { IntegrationEntity } from './integration.entity.js';
import { destinationSettings, parseIntegrationOptions, UpstreamRemovalAction, type IntegrationOptions } from './integration-kinds.js';

/*
 * The rules for what an administrator may enter when setting up an integration: its name, options, sync
 * interval and credentials, and who may configure it at all. Pure checks, called by integration.service.ts.
 */

const MIN_INTERVAL = 15;
const MAX_INTERVAL = 7 * 24 * 60;
const MAX_CREDENTIAL_LENGTH = 8192;

export interface CredentialValue {
  name: string;
  value: string;
}

export function validName(raw: string): string {
  const name = raw.trim();
  if (name.length < 1 || name.length > 200) throw badInput('input.name', 'The name must have 1 to 200 characters.');
  return name;
}

export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

/**
 * An integration provisions users with its default role (syncs and SCIM alike), so configuring one (its
 * options, credentials, destination or SCIM token) is granting that role: only someone who may grant it does.
 */
export function assertMayConfigure(viewer: Viewer, integration: IntegrationEntity): void {
  const { defaultRole } = parseIntegrationOptions(integration.type, integration.options);
  assertMayActOn(viewer.role, defaultRole, `change an integration that brings in ${rolePlural(defaultRole)}`, 'input.id');
}

export function validOptions(viewer: Viewer, options: IntegrationOptions): IntegrationOptions {
  assertMayGrant(
    viewer.role,
    options.defaultRole,
    `make integrations bring in ${rolePlural(options.defaultRole)}`,
    'input.options.defaultRole',
  );
  if (!Number.isInteger(options.suspendThresholdPercent) || options.suspendThresholdPercent < 0 || options.suspendThresholdPercent > 100) {
    throw badInput('input.options.suspendThresholdPercent', 'The threshold is a whole percentage from 0 to 100.');
  }
  if (!Object.values(UpstreamRemovalAction).includes(options.onUpstreamRemoval))
    throw badInput('input.options.onUpstreamRemoval', 'Choose SUSPEND or KEEP.');
  return {
    autoInvite: Boolean(options.autoInvite),
    sendInvitationEmails: Boolean(options.sendInvitationEmails),
    defaultRole: options.defaultRole,
    onUpstreamRemoval: options.onUpstreamRemoval,
    suspendThresholdPercent: options.suspendThresholdPercent,
  };
}

export function validInterval(kind: IntegrationKind, minutes: number | null | undefined): number | null {
  if (minutes == null) return null;
  if (kind.pushOnly)
    throw badInput('input.syncIntervalMinutes', `${kind.displayName} pushes changes as they happen; it has no sync schedule.`);
  if (!Number.isInteger(minutes) || minutes < MIN_INTERVAL || minutes > MAX_INTERVAL) {
    throw badInput(
      'input.syncIntervalMinutes',
      `Sync every ${MIN_INTERVAL} minutes at most often and once a week at least (${MAX_INTERVAL} minutes), or leave it empty for on demand only.`,
    );
  }
  return minutes;
}

/**
 * The credentials after replacing the `given` fields of `current`. When a destination setting (site, tenant...)
 * changes, the stored secrets would go to the new destination: every one of them must be among `given`, or
 * nothing is used and CREDENTIALS_REQUIRED names the secrets to type again. Nothing has been sent by then.
 */
export function replacedCredentials(
  kind: IntegrationKind,
  current: Record<string, string>,
  given: CredentialValue[],
): Record<string, string> {
  const merged = validCredentials(kind, current, given, false);
  const moved = destinationSettings(kind.type).filter((name) => (merged[name] ?? '') !== (current[name] ?? ''));
  if (moved.length === 0) return merged;
  const retyped = new Set(given.map((credential) => credential.name));
  const stale = kind.credentialFields.filter((field) => field.secret && current[field.name] !== undefined && !retyped.has(field.name));
  if (stale.length === 0) return merged;
  const label = (names: string[]) =>
    names.map((name) => kind.credentialFields.find((field) => field.name === name)?.label ?? name).join(', ');
  throw integrationError(
    IntegrationErrorCode.CREDENTIALS_REQUIRED,
    `Changing ${label(moved)} would send the stored credentials somewhere new: enter ${label(stale.map((field) => field.name))} again.`,
    { field: 'input.credentials', fields: stale.map((field) => field.name), changed: moved },
  );
}

/** Merges given fields over `current`, refusing unknown, repeated, empty or oversized fields; `complete` requires every required one. */
export function validCredentials(
  kind: IntegrationKind,
  current: Record<string, string>,
  given: CredentialValue[],
  complete: boolean,
): Record<string, string> {
  const known = new Map(kind.credentialFields.map((f) => [f.name, f]));
  const result = { ...current };
  const seen = new Set<string>();
  for (const [index, { name, value }] of given.entries()) {
    const field = known.get(name);
    // The message names the field, never the value, which may be a secret typed into the wrong box.
    if (!field)
      throw badInput(
        `input.credentials.${index}.name`,
        kind.credentialFields.length
          ? `${kind.displayName} has no credential "${name.slice(0, 50)}"; it takes ${kind.credentialFields.map((f) => f.name).join(', ')}.`
          : `${kind.displayName} takes no credentials.`,
      );
    if (seen.has(name)) throw badInput(`input.credentials.${index}.name`, `"${name}" is given twice.`);
    seen.add(name);
    const trimmed = field.secret ? value : value.trim();
    if (trimmed.length === 0) throw badInput(`input.credentials.${index}.value`, `${field.label} cannot be empty.`);
    if (trimmed.length > MAX_CREDENTIAL_LENGTH) throw badInput(`input.credentials.${index}.value`, `${field.label} is too long.`);
    result[name] = trimmed;
  }
  if (complete || given.length) {
    for (const field of kind.credentialFields) {
      if (field.required && !result[field.name]) throw badInput('input.credentials', `${field.label} is required.`);
    }
  }
  return result;
}
