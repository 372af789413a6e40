import type { DataSource } from 'typeorm';
import { inTransaction } from '../core/db/transaction.js';
import { IntegrationEntity } from '../integrations/integration.entity.js';
import type { SecretBox } from '../integrations/secret-box.js';
import { rotateVaultDataKeys } from '../vault/index.js';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity.js';
import { SsoConnectionEntity, SsoFlowEntity } from '../auth/sso/sso.entity.js';
import { secretBinding } from '../auth/sso/sso-connection.js';
import { flowInvitationBinding } from '../auth/sso/sso-flow.js';
import { MfaFactorEntity } from '../auth/mfa/mfa-factor.entity.js';

export interface RotationReport {
  vaultDataKeys: number;
  integrations: number;
  webhookEndpoints: number;
  /** SSO connections' client secrets. */
  ssoConnections: number;
  /** People's authenticator-app (TOTP) secrets. */
  totpSecrets: number;
  /** Invitation tokens of SSO sign-ins started and not yet back from the identity provider. */
  ssoFlows: number;
  /** Rows already sealed by the new key (a second run, or one after a crash): left as they were. */
  alreadyRotated: number;
}

/**
 * Re-seals what ROSTER_CREDENTIALS_KEY seals, from the old key to the new one, in one transaction: each account's vault
 * data key (the vault items, sealed under those, are not touched: envelope encryption), each integration's credentials,
 * each webhook's signing secret, each SSO connection's client secret, each authenticator app's TOTP secret and the
 * invitation token of each SSO sign-in under way. A row the old key cannot open but the new one can is left alone, so the
 * rotation can be run again safely; a row neither opens stops it with nothing written.
 */
export async function rotateCredentialsKey(dataSource: DataSource, from: SecretBox, to: SecretBox): Promise<RotationReport> {
  return inTransaction(dataSource, async (manager) => {
    const report: RotationReport = {
      vaultDataKeys: 0,
      integrations: 0,
      webhookEndpoints: 0,
      ssoConnections: 0,
      totpSecrets: 0,
      ssoFlows: 0,
      alreadyRotated: 0,
    };
    const vault = await rotateVaultDataKeys(manager, from, to);
    report.vaultDataKeys = vault.resealed;
    report.alreadyRotated += vault.already;
    const reseal = (sealed: string, boundTo: string): string | null => {
      try {
        return to.seal(from.open(sealed, boundTo), boundTo);
      } catch {
        to.open(sealed, boundTo); // neither key opens it: throws, and the transaction writes nothing
        report.alreadyRotated++;
        return null;
      }
    };
    for (const integration of await manager.getRepository(IntegrationEntity).find({ select: { id: true, sealedCredentials: true } })) {
      if (!integration.sealedCredentials) continue;
      const sealed = reseal(integration.sealedCredentials, integration.id);
      if (sealed === null) continue;
      await manager.getRepository(IntegrationEntity).update({ id: integration.id }, { sealedCredentials: sealed });
      report.integrations++;
    }
    for (const endpoint of await manager.getRepository(WebhookEndpointEntity).find({ select: { id: true, sealedSecret: true } })) {
      const sealed = reseal(endpoint.sealedSecret, `webhook:${endpoint.id}`);
      if (sealed === null) continue;
      await manager.getRepository(WebhookEndpointEntity).update({ id: endpoint.id }, { sealedSecret: sealed });
      report.webhookEndpoints++;
    }
    // Each SSO connection's client secret, bound to its account.
    for (const sso of await manager.getRepository(SsoConnectionEntity).find({ select: { accountId: true, sealedClientSecret: true } })) {
      const sealed = reseal(sso.sealedClientSecret, secretBinding(sso.accountId));
      if (sealed === null) continue;
      await manager.getRepository(SsoConnectionEntity).update({ accountId: sso.accountId }, { sealedClientSecret: sealed });
      report.ssoConnections++;
    }
    // Without these, every authenticator app would stop signing in once the instances run on the new key.
    for (const factor of await manager.getRepository(MfaFactorEntity).find({ select: { id: true, sealedSecret: true } })) {
      if (!factor.sealedSecret) continue;
      const sealed = reseal(factor.sealedSecret, factor.id);
      if (sealed === null) continue;
      await manager.getRepository(MfaFactorEntity).update({ id: factor.id }, { sealedSecret: sealed });
      report.totpSecrets++;
    }
    for (const flow of await manager.getRepository(SsoFlowEntity).find({ select: { stateHash: true, sealedInvitation: true } })) {
      if (!flow.sealedInvitation) continue;
      const sealed = reseal(flow.sealedInvitation, flowInvitationBinding(flow.stateHash));
      if (sealed === null) continue;
      await manager.getRepository(SsoFlowEntity).update({ stateHash: flow.stateHash }, { sealedInvitation: sealed });
      report.ssoFlows++;
    }
    return report;
  });
}
