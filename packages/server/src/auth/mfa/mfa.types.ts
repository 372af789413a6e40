import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { SignInNextStep, ViewerInfo } from '../../accounts/viewer.types.js';

export enum MfaFactorKind {
  TOTP = 'TOTP',
  WEBAUTHN = 'WEBAUTHN',
}
registerEnumType(MfaFactorKind, {
  name: 'MfaFactorKind',
  description: 'A kind of second factor.',
  valuesConfig: {
    TOTP: { description: 'An authenticator app (RFC 6238 time-based codes).' },
    WEBAUTHN: { description: 'A passkey or security key (WebAuthn).' },
  },
});

@ObjectType({ description: "One of the signed-in person's second factors. A TOTP secret is never answered after enrolment." })
export class MfaFactor {
  @Field(() => ID, { description: 'Opaque id of the factor.' })
  id!: string;

  @Field(() => MfaFactorKind, { description: 'Authenticator app or passkey.' })
  kind!: MfaFactorKind;

  @Field(() => String, { description: 'What the person calls it.' })
  label!: string;

  @Field(() => Date, { description: 'When it was added.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it last signed the person in; null if never.' })
  lastUsedAt!: Date | null;
}

@ObjectType({ description: "The signed-in person's multi-factor authentication, readable while half signed in." })
export class MfaStatus {
  @Field(() => String, { description: 'The sign-in email (shown on the second-factor page).' })
  email!: string;

  @Field(() => SignInNextStep, { description: 'What this session still needs before anything else answers it.' })
  nextStep!: SignInNextStep;

  @Field(() => [MfaFactor], { description: 'Confirmed factors, oldest first.' })
  factors!: MfaFactor[];

  @Field(() => Int, { description: 'Unused recovery codes.' })
  recoveryCodesLeft!: number;

  @Field(() => Boolean, { description: 'The current MSP account requires this person to have a second factor.' })
  required!: boolean;
}

@ObjectType({ description: 'A TOTP enrolment waiting for its first code: scan the QR code or type the secret into the app.' })
export class TotpEnrolment {
  @Field(() => ID, { description: 'Id of the factor to confirm.' })
  factorId!: string;

  @Field(() => String, { description: 'The base32 secret, shown only now (it cannot be read back later).' })
  secret!: string;

  @Field(() => String, { description: 'The otpauth:// URI the QR code holds.' })
  otpauthUri!: string;

  @Field(() => String, { description: 'The QR code of otpauthUri as an SVG document.' })
  qrCodeSvg!: string;
}

@InputType({ description: 'The enrolment and the code the app shows now.' })
export class ConfirmTotpEnrolmentInput {
  @Field(() => ID, { description: 'TotpEnrolment.factorId.' })
  factorId!: string;

  @Field(() => String, { description: 'The 6-digit code the app shows.' })
  code!: string;
}

@ObjectType({ description: 'Result of confirming an enrolment.' })
export class ConfirmMfaEnrolmentPayload {
  @Field(() => [String], {
    nullable: true,
    description: 'With the first factor: one-time recovery codes, shown only now (stored hashed). Null when the person already has codes.',
  })
  recoveryCodes!: string[] | null;

  @Field(() => MfaStatus, { description: 'The MFA status now.' })
  status!: MfaStatus;
}

@InputType({ description: 'The second factor after the password.' })
export class VerifySecondFactorInput {
  @Field(() => String, { description: 'The 6-digit code from the authenticator app, or an unused recovery code.' })
  code!: string;
}

@ObjectType({ description: 'Result of the second factor: the session is now usable.' })
export class VerifySecondFactorPayload {
  @Field(() => ViewerInfo, { description: 'Who is now signed in, and where.' })
  viewer!: ViewerInfo;
}

@InputType({ description: 'One of your own factors.' })
export class RemoveMfaFactorInput {
  @Field(() => ID, { description: 'MfaFactor.id.' })
  factorId!: string;
}

@ObjectType({ description: 'New recovery codes; the earlier ones stop working.' })
export class RecoveryCodesPayload {
  @Field(() => [String], { description: 'Shown only now; each signs in once.' })
  recoveryCodes!: string[];
}

@InputType({ description: 'The user whose second factors an administrator removes.' })
export class ResetUserMfaInput {
  @Field(() => ID, { description: 'Id of a user of the current MSP account.' })
  userId!: string;
}

@ObjectType({ description: "Result of resetting a user's MFA: their factors, recovery codes and sessions are gone." })
export class ResetUserMfaPayload {
  @Field(() => ID, { description: 'The user whose MFA was reset.' })
  userId!: string;
}

@ObjectType({ description: 'A WebAuthn ceremony to hand to the browser (navigator.credentials), answered with its challengeId.' })
export class PasskeyCeremony {
  @Field(() => ID, { description: 'Names the challenge; spent by the answer.' })
  challengeId!: string;

  @Field(() => String, { description: 'The options as JSON (PublicKeyCredentialCreationOptionsJSON or ...RequestOptionsJSON).' })
  optionsJson!: string;
}

@InputType({ description: "The browser's answer to a passkey registration." })
export class FinishPasskeyRegistrationInput {
  @Field(() => ID, { description: 'PasskeyCeremony.challengeId.' })
  challengeId!: string;

  @Field(() => String, { description: 'The RegistrationResponseJSON from the browser, as JSON.' })
  responseJson!: string;

  @Field(() => String, { nullable: true, description: 'What to call it (at most 100 characters); "Passkey" when left out.' })
  label?: string | null;
}

@InputType({ description: "The browser's answer to a passkey sign-in." })
export class FinishPasskeySignInInput {
  @Field(() => ID, { description: 'PasskeyCeremony.challengeId.' })
  challengeId!: string;

  @Field(() => String, { description: 'The AuthenticationResponseJSON from the browser, as JSON.' })
  responseJson!: string;
}
