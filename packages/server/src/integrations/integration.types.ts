import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import { Role } from '../core/viewer.js';
import { CAPPED_COUNT_DESCRIPTION } from '../core/lists/capped-count.js';
import { ConnectionType } from '../core/lists/connection.js';
import { IntegrationStatus, IntegrationType, UpstreamRemovalAction } from './integration-kinds.js';
import { SyncItemAction } from './sync/sync-run-item.entity.js';
import { SyncRunState, SyncStage, SyncTrigger } from './sync/sync-run.entity.js';

export enum ConnectionTestFailure {
  ADDRESS_NOT_ALLOWED = 'ADDRESS_NOT_ALLOWED',
  AUTHENTICATION_FAILED = 'AUTHENTICATION_FAILED',
  PERMISSION_DENIED = 'PERMISSION_DENIED',
  UNREACHABLE = 'UNREACHABLE',
  RATE_LIMITED = 'RATE_LIMITED',
  UPSTREAM_ERROR = 'UPSTREAM_ERROR',
}
registerEnumType(ConnectionTestFailure, {
  name: 'ConnectionTestFailure',
  description: 'Why a connection test or sync could not talk to the outside platform.',
  valuesConfig: {
    ADDRESS_NOT_ALLOWED: {
      description:
        "Roster may not call the platform's address: plain http, or a private, loopback or link-local address (allowed only with OUTBOUND_ALLOW_PRIVATE_NETWORKS). Nothing was sent.",
    },
    AUTHENTICATION_FAILED: { description: 'The credentials were refused (wrong or expired secret, unknown client or tenant).' },
    PERMISSION_DENIED: { description: 'Signed in, but a permission or the admin consent is missing.' },
    UNREACHABLE: { description: 'The platform could not be reached.' },
    RATE_LIMITED: { description: 'The platform kept throttling the requests.' },
    UPSTREAM_ERROR: { description: 'The platform answered with an error; the message says which.' },
  },
});

registerEnumType(SyncRunState, {
  name: 'SyncRunState',
  description: 'Where a sync run stands.',
  valuesConfig: {
    QUEUED: { description: 'Waiting to be picked up (just started, confirmed, or handed back after a restart).' },
    RUNNING: { description: 'Reading the platform and applying changes.' },
    AWAITING_CONFIRMATION: {
      description:
        'Stopped before removing more than the threshold allows (users suspended, groups deleted or vault items archived): confirmSync or cancelSync.',
    },
    SUCCEEDED: { description: 'Finished.' },
    FAILED: { description: 'Stopped by an error; `error` says which. What it did before stays done.' },
    CANCELLED: { description: 'Cancelled by an admin (or because the integration was disabled).' },
  },
});
registerEnumType(SyncStage, {
  name: 'SyncStage',
  description: 'The part of a sync a run is in.',
  valuesConfig: {
    COMPANIES: { description: 'Reading companies.' },
    USERS: { description: 'Reading users.' },
    GROUPS: { description: 'Reading groups and their members.' },
    PASSWORDS: { description: 'Reading passwords into the company vaults.' },
    REMOVALS: { description: 'Handling users, groups and vault items no longer upstream.' },
    DONE: { description: 'Nothing left to do.' },
  },
});
registerEnumType(SyncTrigger, {
  name: 'SyncTrigger',
  description: 'What started a sync run.',
  valuesConfig: { MANUAL: { description: 'An admin (startSync).' }, SCHEDULE: { description: 'The integration’s schedule.' } },
});
registerEnumType(SyncItemAction, {
  name: 'SyncItemAction',
  description: 'What a run did (or, in a dry run, would do) to one upstream object.',
  valuesConfig: {
    CREATED: { description: 'Created: a user invited or staged for review, or a new group or company.' },
    LINKED: { description: 'An existing user, group or company with the same email or name is now tied to the upstream object.' },
    UPDATED: { description: 'Changed: email, name, group name or group members.' },
    SUSPENDED: { description: 'Suspended: disabled or no longer upstream.' },
    RESTORED: { description: 'A suspended user enabled upstream again came back.' },
    KEPT: { description: 'No longer upstream, but kept as the options say.' },
    DELETED: { description: 'A group deleted because it was deleted upstream; its users stay.' },
    ARCHIVED: { description: 'A vault item archived because it is no longer upstream.' },
    PENDING_SUSPENSION: { description: 'Would be suspended; the run waits for an admin’s confirmation.' },
    PENDING_DELETION: { description: 'A group that would be deleted; the run waits for an admin’s confirmation.' },
    PENDING_ARCHIVE: { description: 'A vault item that would be archived; the run waits for an admin’s confirmation.' },
    SKIPPED: { description: 'Left alone; `message` says why.' },
    FAILED: { description: 'Could not be applied; `message` says why.' },
  },
});

export enum CredentialFieldControl {
  TEXT = 'TEXT',
  MULTILINE = 'MULTILINE',
  YES_NO = 'YES_NO',
}
registerEnumType(CredentialFieldControl, {
  name: 'CredentialFieldControl',
  description: 'How the setup form asks for a credential field.',
  valuesConfig: {
    TEXT: { description: 'One line of text (a password box when the field is secret).' },
    MULTILINE: { description: 'Several lines of text, e.g. a PEM certificate.' },
    YES_NO: { description: 'A yes-or-no choice: send yes or no (leaving it out means no).' },
  },
});

@ObjectType({ description: 'A credential an integration type needs, for the setup form.', simpleResolvers: true })
export class CredentialField {
  @Field(() => String, { description: 'Key to send in `CredentialInput.name`.' }) name!: string;
  @Field(() => String, { description: 'Label for the form.' }) label!: string;
  @Field(() => Boolean, { description: 'True for secrets: type them into a password box; Roster never shows them again.' })
  secret!: boolean;
  @Field(() => Boolean, { description: 'True when the integration cannot work without it.' }) required!: boolean;
  @Field(() => String, { nullable: true, description: 'Where to find it.' }) help!: string | null;
  @Field(() => CredentialFieldControl, { description: 'How the form asks for it.' }) control!: CredentialFieldControl;
  @Field(() => Boolean, {
    description:
      'True when it decides where the credentials are sent (a host, tenant or region): changing it requires every secret again (CREDENTIALS_REQUIRED), and a test with a new value never uses the stored secrets.',
  })
  destination!: boolean;
}

@ObjectType({ description: 'What an integration type brings into Roster.', simpleResolvers: true })
export class IntegrationCapabilities {
  @Field(() => Boolean, { description: 'Brings in users.' }) users!: boolean;
  @Field(() => Boolean, { description: 'Brings in groups with their members.' }) groups!: boolean;
  @Field(() => Boolean, { description: 'Brings in client companies.' }) companies!: boolean;
  @Field(() => Boolean, { description: 'Imports passwords into the vault.' }) passwords!: boolean;
}

@ObjectType({ description: 'An integration type that can be set up.', simpleResolvers: true })
export class IntegrationTypeInfo {
  @Field(() => IntegrationType, { description: 'The type, as given to createIntegration.' }) type!: IntegrationType;
  @Field(() => String, { description: 'Name to show.' }) displayName!: string;
  @Field(() => String, { description: 'What it does and what it needs on the other side.' }) description!: string;
  @Field(() => [CredentialField], { description: 'The credentials the setup form asks for (none for SCIM).' })
  credentialFields!: CredentialField[];
  @Field(() => IntegrationCapabilities, { description: 'What it brings in.' }) capabilities!: IntegrationCapabilities;
  @Field(() => Boolean, { description: 'True when the other side pushes changes (SCIM): no sync, test or schedule from Roster.' })
  pushOnly!: boolean;
}

@ObjectType({ description: 'What an integration does with what it brings in.', simpleResolvers: true })
export class IntegrationOptionsType {
  @Field(() => Boolean, { description: 'True: new upstream users are invited at once; false: staged for an admin’s review.' })
  autoInvite!: boolean;
  @Field(() => Boolean, { description: 'Send invitation emails to users it brings in.' }) sendInvitationEmails!: boolean;
  @Field(() => Role, { description: 'Role of the users it brings in.' }) defaultRole!: Role;
  @Field(() => UpstreamRemovalAction, { description: 'What happens to a user disabled or gone upstream.' })
  onUpstreamRemoval!: UpstreamRemovalAction;
  @Field(() => Int, {
    description:
      'A sync that would suspend more than this percentage of the integration’s users, delete more than this percentage of its groups or archive more than this percentage of its vault items stops and asks for confirmation.',
  })
  suspendThresholdPercent!: number;
}

@InputType({ description: 'Options to set; omitted fields keep their current (or default) value.' })
export class IntegrationOptionsInput {
  @Field(() => Boolean, { nullable: true, description: 'Invite new users at once (default) or stage them for review.' }) autoInvite?:
    boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Send invitation emails (default: yes).' }) sendInvitationEmails?: boolean | null;
  @Field(() => Role, { nullable: true, description: 'Role of the users it brings in (default MEMBER; OWNER only for owners).' })
  defaultRole?: Role | null;
  @Field(() => UpstreamRemovalAction, { nullable: true, description: 'Suspend (default) or keep users disabled or gone upstream.' })
  onUpstreamRemoval?: UpstreamRemovalAction | null;
  @Field(() => Int, { nullable: true, description: 'Mass-removal safeguard, 0 to 100 (default 10).' }) suspendThresholdPercent?:
    number | null;
}

@InputType({ description: 'One credential value. Sent once, stored sealed, never returned.' })
export class CredentialInput {
  @Field(() => String, { description: 'The field’s name from IntegrationTypeInfo.credentialFields.' }) name!: string;
  @Field(() => String, { description: 'The value.' }) value!: string;
}

@ObjectType({ description: 'A configured connection to an outside platform. Its credentials never leave the server.' })
export class Integration {
  @Field(() => ID, { description: 'Opaque id.' }) id!: string;
  @Field(() => IntegrationType, { description: 'The platform it connects to.' }) type!: IntegrationType;
  @Field(() => String, { description: 'The admin’s name for it.' }) name!: string;
  @Field(() => IntegrationStatus, { description: 'Connected, error (see lastError) or disabled.' }) status!: IntegrationStatus;
  @Field(() => String, { nullable: true, description: 'The last connection or sync error, shown with the ERROR status.' }) lastError!:
    string | null;
  @Field(() => IntegrationOptionsType, { description: 'What it does with what it brings in.' }) options!: IntegrationOptionsType;
  @Field(() => Int, { nullable: true, description: 'Minutes between scheduled syncs; null: on demand only (always null for SCIM).' })
  syncIntervalMinutes!: number | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the last (non-dry) sync finished successfully.' })
  lastSyncAt!: Date | null;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When the next scheduled sync starts; null without a schedule or when disabled.',
  })
  nextSyncAt!: Date | null;
  @Field(() => Boolean, { description: 'True when credentials are stored.' }) hasCredentials!: boolean;
  @Field(() => [String], {
    description: 'Names of the credential fields that hold a value (never the values): the form shows them as "set, replace?".',
  })
  credentialFieldsSet!: string[];
  @Field(() => String, { nullable: true, description: 'SCIM only: the base URL to paste into the identity provider.' }) scimBaseUrl!:
    string | null;
  @Field(() => String, {
    nullable: true,
    description: 'SCIM only: the first characters of the current token, to tell which one the IdP holds.',
  })
  scimTokenPrefix!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'SCIM only: when the current token was made.' })
  scimTokenRotatedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was set up.' }) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { description: 'When it was last changed.' }) updatedAt!: Date;

  accountId!: string;
  /** Answered by scim-activity.resolver.ts. */
  lastRequestAt?: Date | null;
}

export const IntegrationConnection = ConnectionType(Integration, 'Integration');

@ObjectType({ description: 'What a run did (or, in a dry run, would do), per kind of change.', simpleResolvers: true })
export class SyncCountsType {
  @Field(() => Int, { description: 'Users invited or staged, groups and companies created.' }) created!: number;
  @Field(() => Int, { description: 'Existing users, groups or companies tied to their upstream object.' }) linked!: number;
  @Field(() => Int, { description: 'Objects changed.' }) updated!: number;
  @Field(() => Int, { description: 'Objects already up to date (not listed as items).' }) unchanged!: number;
  @Field(() => Int, { description: 'Users suspended.' }) suspended!: number;
  @Field(() => Int, { description: 'Suspended users restored.' }) restored!: number;
  @Field(() => Int, { description: 'Users gone upstream but kept, per the options.' }) kept!: number;
  @Field(() => Int, { description: 'Objects left alone (see their items).' }) skipped!: number;
  @Field(() => Int, { description: 'Objects that could not be applied (see their items).' }) failed!: number;
  @Field(() => Int, { description: 'Groups deleted, and vault items archived, because they are gone upstream.' }) deleted!: number;
}

@ObjectType({ description: 'One thing a run did (or would do) to one upstream object.', simpleResolvers: true })
export class SyncRunItem {
  @Field(() => Int, { description: 'Order within the run, from 0.' }) position!: number;
  @Field(() => String, { description: 'USER, GROUP, COMPANY or VAULT_ITEM.' }) resourceType!: string;
  @Field(() => String, { nullable: true, description: 'The platform’s id for the object.' }) externalId!: string | null;
  @Field(() => String, { description: 'The email or name shown for it.' }) label!: string;
  @Field(() => SyncItemAction, { description: 'What was done.' }) action!: SyncItemAction;
  @Field(() => ID, { nullable: true, description: 'The Roster user, group or company concerned.' }) localId!: string | null;
  @Field(() => String, { nullable: true, description: 'Details, or why it failed or was skipped.' }) message!: string | null;
}

export const SyncRunItemConnection = ConnectionType(SyncRunItem, 'SyncRunItem', 'sync run items', CAPPED_COUNT_DESCRIPTION);

@ObjectType({ description: 'One sync of an integration: what it did, or, for a dry run, what it would do.' })
export class SyncRun {
  @Field(() => ID, { description: 'Opaque id.' }) id!: string;
  @Field(() => ID, { description: 'The integration.' }) integrationId!: string;
  @Field(() => SyncRunState, { description: 'Where it stands.' }) state!: SyncRunState;
  @Field(() => SyncStage, { description: 'The part it is in (DONE once finished).' }) stage!: SyncStage;
  @Field(() => Boolean, { description: 'True for a dry run: it changed nothing, its items say what a real run would do.' })
  dryRun!: boolean;
  @Field(() => Boolean, {
    description:
      'True when the run read only what changed upstream since the last sync (e.g. Microsoft Graph delta queries); false for a full read. See `note` for why a run that could have read changes read everything.',
  })
  incremental!: boolean;
  @Field(() => String, { nullable: true, description: 'Something to know about how the run read upstream, e.g. why it read everything.' })
  note!: string | null;
  @Field(() => SyncTrigger, { description: 'Started by an admin or by the schedule.' }) trigger!: SyncTrigger;
  @Field(() => SyncCountsType, { description: 'Counts so far.' }) counts!: SyncCountsType;
  @Field(() => Int, { description: 'Users it would suspend when it stopped for confirmation (see the PENDING_SUSPENSION items).' })
  pendingSuspensions!: number;
  @Field(() => String, { nullable: true, description: 'Why it failed or was cancelled.' }) error!: string | null;
  @Field(() => GraphQLISODateTime, { description: 'When it was started.' }) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it began working.' }) startedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it ended.' }) finishedAt!: Date | null;

  accountId!: string;
  requestedBy!: string | null;
}

export const SyncRunConnection = ConnectionType(SyncRun, 'SyncRun');

@InputType({ description: 'A new integration.' })
export class CreateIntegrationInput {
  @Field(() => String, { description: 'A name for it, 1 to 200 characters.' }) name!: string;
  @Field(() => IntegrationType, { description: 'The platform (see integrationTypes).' }) type!: IntegrationType;
  @Field(() => [CredentialInput], { defaultValue: [], description: 'Every required credential of the type; none for SCIM.' })
  credentials!: CredentialInput[];
  @Field(() => IntegrationOptionsInput, { nullable: true, description: 'Options; defaults apply to what is left out.' })
  options?: IntegrationOptionsInput | null;
  @Field(() => Int, { nullable: true, description: 'Minutes between scheduled syncs (15 to 10080); empty for on demand only.' })
  syncIntervalMinutes?: number | null;
}

@ObjectType({ description: 'The new integration, and its SCIM token, shown this once.' })
export class CreateIntegrationPayload {
  @Field(() => Integration, { description: 'The integration.' }) integration!: Integration;
  @Field(() => String, {
    nullable: true,
    description: 'SCIM only: the bearer token to paste into the IdP. Shown only now; rotate it if lost.',
  })
  scimToken!: string | null;
}

@InputType({ description: 'Changes to an integration; omitted fields stay as they are.' })
export class UpdateIntegrationInput {
  @Field(() => ID, { description: 'The integration.' }) id!: string;
  @Field(() => String, { nullable: true, description: 'A new name.' }) name?: string | null;
  @Field(() => IntegrationOptionsInput, { nullable: true, description: 'Options to change.' }) options?: IntegrationOptionsInput | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Minutes between scheduled syncs (15 to 10080); an explicit null turns the schedule off; omitted keeps it.',
  })
  syncIntervalMinutes?: number | null;
  @Field(() => [CredentialInput], {
    nullable: true,
    description:
      'Credential fields to replace; the others keep their stored value. Changing a destination field (see CredentialField.destination) requires every secret too.',
  })
  credentials?: CredentialInput[] | null;
}

@ObjectType({ description: 'The integration after a change.' })
export class IntegrationPayload {
  @Field(() => Integration, { description: 'The integration.' }) integration!: Integration;
}

@InputType({
  description:
    'A saved integration to test (optionally with replacement credentials, not saved), or a type and credentials from the setup form.',
})
export class TestIntegrationConnectionInput {
  @Field(() => ID, { nullable: true, description: 'The saved integration.' }) id?: string | null;
  @Field(() => IntegrationType, { nullable: true, description: 'The type, for credentials not saved yet.' }) type?: IntegrationType | null;
  @Field(() => [CredentialInput], {
    nullable: true,
    description:
      'Credentials to try; with `id`, they replace the stored ones for this test only (a new destination needs every secret typed again).',
  })
  credentials?: CredentialInput[] | null;
}

@ObjectType({ description: 'The result of a connection test.' })
export class TestIntegrationConnectionPayload {
  @Field(() => Boolean, { description: 'True when the platform accepted the credentials and permissions.' }) ok!: boolean;
  @Field(() => ConnectionTestFailure, { nullable: true, description: 'Why it failed.' }) failure!: ConnectionTestFailure | null;
  @Field(() => String, { description: 'What happened, for the admin.' }) message!: string;
  @Field(() => Integration, { nullable: true, description: 'The saved integration with its updated status, when one was tested.' })
  integration!: Integration | null;
}

@InputType({ description: 'Names an integration.' })
export class IntegrationIdInput {
  @Field(() => ID, { description: 'The integration.' }) id!: string;
}

@ObjectType({ description: 'The SCIM integration and its new token, shown this once.' })
export class RotateScimTokenPayload {
  @Field(() => Integration, { description: 'The integration.' }) integration!: Integration;
  @Field(() => String, { description: 'The new bearer token; the old one no longer works.' }) scimToken!: string;
}

@ObjectType({ description: 'What was deleted.' })
export class DeleteIntegrationPayload {
  @Field(() => ID, { description: 'Id of the deleted integration.' }) id!: string;
}

@InputType({ description: 'Starts a sync now.' })
export class StartSyncInput {
  @Field(() => ID, { description: 'The integration.' }) integrationId!: string;
  @Field(() => Boolean, { defaultValue: false, description: 'True: change nothing, only report what a sync would do.' }) dryRun!: boolean;
}

@InputType({ description: 'Names a sync run.' })
export class SyncRunIdInput {
  @Field(() => ID, { description: 'The run.' }) runId!: string;
}

@ObjectType({ description: 'The sync run after a change.' })
export class SyncRunPayload {
  @Field(() => SyncRun, { description: 'The run.' }) run!: SyncRun;
}
