import { AccountEntity } from '../../accounts/account.entity.js';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { PersonEntity } from '../../accounts/person.entity.js';
import { SessionEntity } from '../../auth/session.entity.js';
import { MfaFactorEntity, MfaRecoveryCodeEntity, WebAuthnChallengeEntity } from '../../auth/mfa/mfa-factor.entity.js';
import { ApiKeyEntity } from '../../auth/api-keys/api-key.entity.js';
import { SsoConnectionEntity, SsoFlowEntity, SsoSessionEntity } from '../../auth/sso/sso.entity.js';
import { CompanyEntity } from '../../companies/company.entity.js';
import { GroupMemberEntity } from '../../groups/group-member.entity.js';
import { GroupEntity } from '../../groups/group.entity.js';
import { InvitationEntity } from '../../invitations/invitation.entity.js';
import { OutboxEmailEntity } from '../../mail/outbox-email.entity.js';
import { AuditEventEntity } from '../../audit/audit-event.entity.js';
import { ImportJobEntity } from '../../imports/import-job.entity.js';
import { ImportRowEntity } from '../../imports/import-row.entity.js';
import { IntegrationEntity } from '../../integrations/integration.entity.js';
import { ExternalLinkEntity } from '../../integrations/external-link.entity.js';
import { SyncRunEntity } from '../../integrations/sync/sync-run.entity.js';
import { SyncRunItemEntity } from '../../integrations/sync/sync-run-item.entity.js';
import { ScimRequestErrorEntity } from '../../integrations/scim-request-error.entity.js';
import { WebhookEndpointEntity } from '../../webhooks/webhook-endpoint.entity.js';
import { WebhookDeliveryEntity } from '../../webhooks/webhook-delivery.entity.js';
import { VaultAccessEntity, VaultDataKeyEntity, VaultItemEntity } from '../../vault/index.js';

/** Every entity, listed explicitly (no globs) so the build, tests and the migration generator agree. */
export const entities = [
  AccountEntity,
  PersonEntity,
  MembershipEntity,
  CompanyEntity,
  GroupEntity,
  GroupMemberEntity,
  SessionEntity,
  MfaFactorEntity,
  MfaRecoveryCodeEntity,
  WebAuthnChallengeEntity,
  SsoConnectionEntity,
  SsoFlowEntity,
  SsoSessionEntity,
  ApiKeyEntity,
  InvitationEntity,
  OutboxEmailEntity,
  AuditEventEntity,
  ImportJobEntity,
  ImportRowEntity,
  IntegrationEntity,
  ExternalLinkEntity,
  SyncRunEntity,
  SyncRunItemEntity,
  ScimRequestErrorEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  VaultDataKeyEntity,
  VaultItemEntity,
  VaultAccessEntity,
];
