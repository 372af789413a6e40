import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../core/lists/connection.js';
import { Group } from '../groups/group.types.js';

@ObjectType({
  description: 'A shared credential of a client company. Secret values (password, notes, TOTP) are never listed: see `revealVaultItem`.',
  simpleResolvers: true,
})
export class VaultItem {
  @Field(() => ID, { description: 'Opaque id of the vault item.' })
  id!: string;

  @Field(() => ID, { description: 'The company the item belongs to.' })
  companyId!: string;

  @Field(() => String, { description: 'What the credential is for.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'The user name that goes with the password.' })
  username!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the credential is used.' })
  url!: string | null;

  @Field(() => Boolean, { description: 'True when the item has notes (shown only when revealed).' })
  hasNotes!: boolean;

  @Field(() => Boolean, { description: 'True when the item has a TOTP secret: a reveal then gives the current code.' })
  hasTotp!: boolean;

  @Field(() => ID, { nullable: true, description: 'The integration the item is synced from; null for one made in Roster.' })
  integrationId!: string | null;

  @Field(() => String, { nullable: true, description: "The item's id in the integration's system." })
  upstreamId!: string | null;

  @Field(() => Date, { description: 'When the item was created in Roster.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the item last changed.' })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the item was archived (gone upstream); null while it is current.' })
  archivedAt!: Date | null;
}

export const VaultItemConnection = ConnectionType(VaultItem, 'VaultItem');

@ObjectType({ description: 'Who may reveal the secrets of one company’s vault.', simpleResolvers: true })
export class VaultAccess {
  @Field(() => ID, { description: 'The company.' })
  companyId!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "The company's name, for those who may use its vault (administrators and members of a granted group), so the Vault page needs no administrators' query; null for everyone else.",
  })
  companyName!: string | null;

  @Field(() => [Group], { description: 'Groups whose members may list and reveal this vault (administrators always may).' })
  groups!: Group[];

  @Field(() => Boolean, { description: 'True when the person asking may reveal this vault’s secrets.' })
  viewerCanReveal!: boolean;
}

@ObjectType({
  description: 'The secret values of one vault item, revealed to the person asking; the reveal is in the audit log.',
  simpleResolvers: true,
})
export class RevealedVaultItem {
  @Field(() => VaultItem, { description: 'The item revealed.' })
  item!: VaultItem;

  @Field(() => String, { description: 'The password.' })
  password!: string;

  @Field(() => String, { nullable: true, description: 'The notes, which may hold secrets too.' })
  notes!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The current TOTP code, when the item has a TOTP secret and a code can be made from it (see `totpError`).',
  })
  totpCode!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Why there is no TOTP code although the item has a TOTP secret (the stored secret is not a valid base32 secret); null otherwise.',
  })
  totpError!: string | null;

  @Field(() => Int, { nullable: true, description: 'Seconds the TOTP code stays valid.' })
  totpExpiresInSeconds!: number | null;
}

@InputType({ description: 'The vault item to reveal.' })
export class RevealVaultItemInput {
  @Field(() => ID, { description: 'Id of the vault item.' })
  id!: string;
}

@InputType({ description: 'A company and a group: the group’s members may (grant) or may no longer (revoke) reveal the company’s vault.' })
export class VaultAccessInput {
  @Field(() => ID, { description: 'The company whose vault it is.' })
  companyId!: string;

  @Field(() => ID, { description: 'The group.' })
  groupId!: string;
}

@InputType({ description: 'A credential typed in by an administrator.' })
export class CreateVaultItemInput {
  @Field(() => ID, { description: 'The company it belongs to.' })
  companyId!: string;

  @Field(() => String, { description: 'What it is for (at most 200 characters).' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'The user name.' })
  username?: string | null;

  @Field(() => String, { description: 'The password (sealed at rest).' })
  password!: string;

  @Field(() => String, { nullable: true, description: 'Where it is used.' })
  url?: string | null;

  @Field(() => String, { nullable: true, description: 'Notes (sealed at rest).' })
  notes?: string | null;

  @Field(() => String, { nullable: true, description: 'A TOTP secret in base32 (sealed at rest).' })
  totpSecret?: string | null;
}

@ObjectType({ description: 'The vault item created.', simpleResolvers: true })
export class VaultItemPayload {
  @Field(() => VaultItem, { description: 'The item.' })
  item!: VaultItem;
}
