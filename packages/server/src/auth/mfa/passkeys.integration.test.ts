import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../../accounts/roles.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { builders } from '../../../test/builders.js';
import { dialects } from '../../../test/databases.js';
import { SoftwareAuthenticator } from '../../../test/fakes/webauthn-authenticator.js';
import { errorCode, startTestRoster, TestClient, type TestRoster } from '../../../test/harness.js';
import { MfaFactorEntity } from './mfa-factor.entity.js';

const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { nextStep } }`;
const START_REGISTRATION = `mutation { startPasskeyRegistration { challengeId optionsJson } }`;
const FINISH_REGISTRATION = `mutation($input: FinishPasskeyRegistrationInput!) { finishPasskeyRegistration(input: $input) { recoveryCodes status { factors { kind label } } } }`;
const START_SIGN_IN = `mutation { startPasskeySignIn { challengeId optionsJson } }`;
const FINISH_SIGN_IN = `mutation($input: FinishPasskeySignInInput!) { finishPasskeySignIn(input: $input) { viewer { person { email } } } }`;

describe.each(dialects)('passkeys (%s)', (dialect) => {
  let roster: TestRoster;
  let accountId: string;
  let authenticator: SoftwareAuthenticator;

  const signIn = async (email: string, password: string) => {
    const client = new TestClient(roster.url);
    const result = await client.gql(SIGN_IN, { input: { email, password } });
    expect(result.errors).toBeUndefined();
    return { client, nextStep: result.data!.signIn.nextStep as string };
  };

  /** What the browser does for "Sign in with a passkey": ask for a ceremony, let the authenticator answer it. */
  const passkeySignIn = async (client: TestClient, answer = (options: any) => authenticator.authenticate(options)) => {
    const ceremony = (await client.gql(START_SIGN_IN)).data!.startPasskeySignIn;
    const options = JSON.parse(ceremony.optionsJson);
    return {
      options,
      result: await client.gql(FINISH_SIGN_IN, {
        input: { challengeId: ceremony.challengeId, responseJson: JSON.stringify(answer(options)) },
      }),
    };
  };

  beforeAll(async () => {
    roster = await startTestRoster(dialect);
    const build = builders(roster.dataSource);
    const account = await build.anAccount({ name: 'Acme MSP' });
    accountId = account.id;
    await build.aUser(accountId, { email: 'pat@acme.test', role: Role.ADMIN, password: 'pat-password' });
    authenticator = new SoftwareAuthenticator(new URL(roster.services.config.publicUrl).origin);

    const { client } = await signIn('pat@acme.test', 'pat-password');
    const ceremony = (await client.gql(START_REGISTRATION)).data!.startPasskeyRegistration;
    const options = JSON.parse(ceremony.optionsJson);
    // A discoverable credential with user verification: a passkey that can be the whole sign-in.
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.rp.id).toBe(new URL(roster.services.config.publicUrl).hostname);
    const finished = await client.gql(FINISH_REGISTRATION, {
      input: { challengeId: ceremony.challengeId, responseJson: JSON.stringify(authenticator.register(options)), label: 'Work laptop' },
    });
    expect(finished.errors).toBeUndefined();
    expect(finished.data!.finishPasskeyRegistration.recoveryCodes).toHaveLength(10);
    expect(finished.data!.finishPasskeyRegistration.status.factors).toEqual([{ kind: 'WEBAUTHN', label: 'Work laptop' }]);
  });
  afterAll(() => roster?.close());

  it('registers a passkey (verified attestation, audited) and refuses the same challenge twice', async () => {
    const factor = await roster.dataSource.getRepository(MfaFactorEntity).findOneByOrFail({ kind: 'WEBAUTHN' });
    expect(factor.credentialId).toBe(authenticator.credentials[0]!.id.toString('base64url'));
    const enrolled = await roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId, action: 'mfa.enrolled' });
    expect(enrolled.map((e) => JSON.parse(e.details!).kind)).toEqual(['WEBAUTHN']);

    const { client } = await signIn('pat@acme.test', 'pat-password');
    const ceremony = (await client.gql(START_SIGN_IN)).data!.startPasskeySignIn;
    const answer = JSON.stringify(authenticator.authenticate(JSON.parse(ceremony.optionsJson)));
    expect(
      (await client.gql(FINISH_SIGN_IN, { input: { challengeId: ceremony.challengeId, responseJson: answer } })).errors,
    ).toBeUndefined();
    const replay = await new TestClient(roster.url).gql(FINISH_SIGN_IN, {
      input: { challengeId: ceremony.challengeId, responseJson: answer },
    });
    expect(errorCode(replay)).toBe('NOT_FOUND');
  });

  it('signs in with the passkey alone, no email typed: the session is usable at once', async () => {
    const client = new TestClient(roster.url);
    const { options, result } = await passkeySignIn(client);
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(result.errors).toBeUndefined();
    expect(result.data!.finishPasskeySignIn.viewer.person.email).toBe('pat@acme.test');
    expect((await client.gql('{ users { totalCount } }')).data!.users.totalCount).toBe(1);
  });

  it('is the second factor after the password, and a forged signature is refused and audited as a failed second factor', async () => {
    const { client, nextStep } = await signIn('pat@acme.test', 'pat-password');
    expect(nextStep).toBe('SECOND_FACTOR');
    expect(errorCode(await client.gql('{ users { totalCount } }'))).toBe('MFA_REQUIRED');

    const forged = await passkeySignIn(client, (options) => {
      const answer = authenticator.authenticate(options);
      const signature = Buffer.from(answer.response.signature, 'base64url');
      signature[signature.length - 1] ^= 0xff;
      return { ...answer, response: { ...answer.response, signature: signature.toString('base64url') } };
    });
    expect(errorCode(forged.result)).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await client.gql('{ users { totalCount } }'))).toBe('MFA_REQUIRED');
    const failed = await roster.dataSource.getRepository(AuditEventEntity).findBy({ accountId, action: 'mfa.failed' });
    expect(failed.map((e) => JSON.parse(e.details!))).toEqual([{ method: 'PASSKEY' }]);

    const { options, result } = await passkeySignIn(client);
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.credentials[0]!.id.toString('base64url')]);
    expect(result.errors).toBeUndefined();
    expect((await client.gql('{ users { totalCount } }')).data!.users.totalCount).toBe(1);
  });
});
