import type { DataSource, EntityTarget, FindOptionsSelect, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
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
    /** Re-seals one sealed column, row by row, each value bound to what `bindingOf` says; answers how many changed. */
    const resealColumn = async <T extends ObjectLiteral>(
      entity: EntityTarget<T>,
      key: keyof T & string,
      column: keyof T & string,
      bindingOf: (row: T) => string,
    ): Promise<number> => {
      const repository = manager.getRepository(entity);
      let changed = 0;
      for (const row of await repository.find({ select: { [key]: true, [column]: true } as FindOptionsSelect<T> })) {
        const value = row[column] as string | null;
        if (!value) continue;
        const sealed = reseal(value, bindingOf(row));
        if (sealed === null) continue;
        await repository.update({ [key]: row[key] } as FindOptionsWhere<T>, { [column]: sealed } as unknown as QueryDeepPartialEntity<T>);
        changed++;
      }
      return changed;
    };
    report.integrations = await resealColumn(IntegrationEntity, 'id', 'sealedCredentials', (integration) => integration.id);
    report.webhookEndpoints = await resealColumn(WebhookEndpointEntity, 'id', 'sealedSecret', (endpoint) => `webhook:${endpoint.id}`);
    report.ssoConnections = await resealColumn(SsoConnectionEntity, 'accountId', 'sealedClientSecret', (sso) =>
      secretBinding(sso.accountId),
    );
    // Without these, every authenticator app would stop signing in once the instances run on the new key.
    report.totpSecrets = await resealColumn(MfaFactorEntity, 'id', 'sealedSecret', (factor) => factor.id);
    report.ssoFlows = await resealColumn(SsoFlowEntity, 'stateHash', 'sealedInvitation', (flow) => flowInvitationBinding(flow.stateHash));
    return report;
  });
}
