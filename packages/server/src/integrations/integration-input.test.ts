import { describe, expect, it } from 'vitest';
import { Role } from '../accounts/roles.js';
import type { Viewer } from '../core/viewer.js';
import { integrationKind } from './connectors/catalog.js';
import { replacedCredentials, validCredentials, validInterval, validName, validOptions } from './integration-input.js';
import { IntegrationType, UpstreamRemovalAction } from './integration-kinds.js';

const connectWise = integrationKind(IntegrationType.CONNECTWISE)!;
const scim = integrationKind(IntegrationType.SCIM)!;
const admin = { role: Role.ADMIN } as Viewer;

const failure = (work: () => unknown): { code?: unknown; field?: unknown } | null => {
  try {
    work();
    return null;
  } catch (error) {
    return (error as { extensions: { code?: unknown; field?: unknown } }).extensions;
  }
};

describe('integration input', () => {
  it('trims a name and wants 1 to 200 characters', () => {
    expect(validName('  Okta  ')).toBe('Okta');
    expect(failure(() => validName('   '))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    expect(failure(() => validName('x'.repeat(201)))).toMatchObject({ field: 'input.name' });
  });

  it('allows a schedule from 15 minutes to a week, none for push-only kinds', () => {
    expect(validInterval(connectWise, null)).toBeNull();
    expect(validInterval(connectWise, 15)).toBe(15);
    expect(validInterval(connectWise, 7 * 24 * 60)).toBe(7 * 24 * 60);
    expect(failure(() => validInterval(connectWise, 14))).toMatchObject({ field: 'input.syncIntervalMinutes' });
    expect(failure(() => validInterval(scim, 60))).toMatchObject({ field: 'input.syncIntervalMinutes' });
  });

  it('keeps only known options, and an administrator cannot make an integration bring in owners', () => {
    const options = {
      autoInvite: true,
      sendInvitationEmails: false,
      defaultRole: Role.MEMBER,
      onUpstreamRemoval: UpstreamRemovalAction.SUSPEND,
      suspendThresholdPercent: 20,
    };
    expect(validOptions(admin, { ...options, extra: 1 } as never)).toEqual(options);
    expect(failure(() => validOptions(admin, { ...options, suspendThresholdPercent: 101 }))).toMatchObject({
      field: 'input.options.suspendThresholdPercent',
    });
    expect(failure(() => validOptions(admin, { ...options, defaultRole: Role.OWNER }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses unknown, repeated and empty credentials, naming the field and never the value', () => {
    const unknown = failure(() => validCredentials(connectWise, {}, [{ name: 'password', value: 'hunter2' }], false));
    expect(unknown).toMatchObject({ field: 'input.credentials.0.name' });
    expect(JSON.stringify(unknown)).not.toContain('hunter2');
    expect(
      failure(() =>
        validCredentials(
          connectWise,
          {},
          [
            { name: 'site', value: 'a' },
            { name: 'site', value: 'b' },
          ],
          false,
        ),
      ),
    ).toMatchObject({ field: 'input.credentials.1.name' });
    expect(failure(() => validCredentials(connectWise, {}, [{ name: 'site', value: '  ' }], false))).toMatchObject({
      field: 'input.credentials.0.value',
    });
    expect(failure(() => validCredentials(connectWise, {}, [], true))).toMatchObject({ field: 'input.credentials' });
  });

  it('wants the stored secrets typed again when a destination setting changes', () => {
    const current = { site: 'api-na.myconnectwise.net', companyId: 'msp', publicKey: 'pub', privateKey: 'secret', clientId: 'client' };
    expect(replacedCredentials(connectWise, current, [{ name: 'publicKey', value: 'pub2' }])).toMatchObject({
      publicKey: 'pub2',
      privateKey: 'secret',
    });
    expect(failure(() => replacedCredentials(connectWise, current, [{ name: 'site', value: 'evil.example' }]))).toMatchObject({
      code: 'CREDENTIALS_REQUIRED',
    });
    expect(
      replacedCredentials(connectWise, current, [
        { name: 'site', value: 'eu.myconnectwise.net' },
        { name: 'privateKey', value: 'secret2' },
      ]),
    ).toMatchObject({ site: 'eu.myconnectwise.net', privateKey: 'secret2' });
  });
});
