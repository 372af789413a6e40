import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum SsoProvider {
  ENTRA_ID = 'ENTRA_ID',
  GOOGLE = 'GOOGLE',
  CUSTOM = 'CUSTOM',
}
registerEnumType(SsoProvider, {
  name: 'SsoProvider',
  description: 'Which identity provider an SSO connection signs in with; a preset fills the issuer.',
  valuesConfig: {
    ENTRA_ID: { description: 'Microsoft Entra ID: the tenant-specific issuer; the `tid` claim must name the tenant.' },
    GOOGLE: { description: 'Google (https://accounts.google.com); the `hd` claim must be an allowed domain.' },
    CUSTOM: { description: 'Any OpenID Connect provider, by its issuer URL.' },
  },
});

@ObjectType({ description: "The current account's OpenID Connect connection. The client secret is never answered." })
export class SsoConnection {
  @Field(() => SsoProvider, { description: 'Preset or custom provider.' })
  provider!: SsoProvider;

  @Field(() => String, { description: 'The issuer discovery starts from.' })
  issuer!: string;

  @Field(() => String, { nullable: true, description: 'Entra ID: the directory (tenant) id.' })
  tenantId!: string | null;

  @Field(() => String, { description: 'The client (application) id registered at the provider.' })
  clientId!: string;

  @Field(() => Boolean, { description: 'True: a client secret is stored (it is never shown).' })
  hasClientSecret!: boolean;

  @Field(() => [String], { description: 'Email domains the provider may sign people in for.' })
  allowedDomains!: string[];

  @Field(() => Boolean, { description: 'Members other than owners may not sign in with a password or passkey.' })
  ssoOnly!: boolean;

  @Field(() => String, { description: 'The redirect URI to register at the provider.' })
  callbackUrl!: string;

  @Field(() => String, { description: "The address people start SSO from: /auth/sso/start?account=<the account's slug>." })
  startUrl!: string;

  @Field(() => Date, { description: 'When it was last saved.' })
  updatedAt!: Date;
}

@InputType({ description: "Creates or replaces the current account's SSO connection." })
export class SaveSsoConnectionInput {
  @Field(() => SsoProvider, { description: 'ENTRA_ID and GOOGLE fill the issuer; CUSTOM takes `issuer`.' })
  provider!: SsoProvider;

  @Field(() => String, { nullable: true, description: 'CUSTOM: the issuer URL (https).' })
  issuer?: string | null;

  @Field(() => String, { nullable: true, description: 'ENTRA_ID: the directory (tenant) id, a GUID.' })
  tenantId?: string | null;

  @Field(() => String, { description: 'The client (application) id.' })
  clientId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The client secret. Left out keeps the stored one, unless the issuer or client id changes.',
  })
  clientSecret?: string | null;

  @Field(() => [String], { description: 'Email domains it may sign people in for (at least one).' })
  allowedDomains!: string[];

  @Field(() => Boolean, { description: 'Refuse password and passkey sign-in to members other than owners.' })
  ssoOnly!: boolean;
}

@ObjectType({ description: "The result of testing the SSO connection: reading the issuer's discovery document." })
export class SsoConnectionTest {
  @Field(() => Boolean, { description: 'True when discovery succeeded.' })
  ok!: boolean;

  @Field(() => String, { nullable: true, description: 'The issuer the provider names itself, when it answered.' })
  issuer!: string | null;

  @Field(() => String, { nullable: true, description: 'What went wrong, when it failed.' })
  problem!: string | null;
}
