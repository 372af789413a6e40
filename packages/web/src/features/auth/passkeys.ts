/** The browser side of passkeys: @simplewebauthn/browser runs the WebAuthn ceremony the server described. */
import { FinishPasskeySignInDocument, StartPasskeySignInDocument } from '@roster/schema/generated';
import { startAuthentication, startRegistration, WebAuthnError } from '@simplewebauthn/browser';
import { useMutation } from '../../client/graphql';

/** Creates a passkey from the server's options; answers the browser's response as JSON for the server. */
export async function createPasskey(optionsJson: string): Promise<string> {
  return JSON.stringify(await startRegistration({ optionsJSON: JSON.parse(optionsJson) }));
}

/** A sentence for a ceremony the browser or the person stopped. */
export function describePasskeyError(error: unknown): string | null {
  if (error instanceof WebAuthnError || (error instanceof Error && error.name === 'NotAllowedError'))
    return 'The passkey was not used (cancelled or timed out). Try again.';
  return null;
}

/** Signs in with a passkey: the whole sign-in without a session, or the second factor of a half-signed-in one. */
export function usePasskeySignIn() {
  const start = useMutation(StartPasskeySignInDocument);
  const finish = useMutation(FinishPasskeySignInDocument);
  return async () => {
    const ceremony = (await start.mutate({}, { skipAuthRedirect: true })).startPasskeySignIn;
    const response = await startAuthentication({ optionsJSON: JSON.parse(ceremony.optionsJson) });
    const data = await finish.mutate(
      { input: { challengeId: ceremony.challengeId, responseJson: JSON.stringify(response) } },
      { skipAuthRedirect: true },
    );
    return data.finishPasskeySignIn.viewer;
  };
}
