import { IsNull } from 'typeorm';
import { MembershipEntity } from '../../accounts/membership.entity.js';
import { recordAudit } from '../../audit/index.js';
import { newId } from '../../core/db/columns.js';
import { CompanyEntity } from '../../companies/company.entity.js';
import { inTransaction } from '../../core/db/transaction.js';
import { ExternalLinkEntity } from '../external-link.entity.js';
import { IntegrationEntity } from '../integration.entity.js';
import { ExternalResourceType, IntegrationType } from '../integration-kinds.js';
import { ProvisioningBase } from './provisioning-base.js';
import { ProvisionAction, type UpstreamCompany } from './provisioning-model.js';

/** Companies from upstream (PSA clients): created or adopted by name, and users put into them. */
export class CompanyProvisioning extends ProvisioningBase {
  /** Creates or renames the company of an upstream company (PSA, documentation tool); same-name companies are adopted. */
  async upsertCompany(integration: IntegrationEntity, upstream: UpstreamCompany): Promise<{ companyId: string; action: ProvisionAction }> {
    const name = upstream.name.trim().slice(0, 200);
    const now = new Date();
    const links = this.dataSource.getRepository(ExternalLinkEntity);
    const link = await this.linkBy(integration, ExternalResourceType.COMPANY, { externalId: upstream.externalId });
    const companies = this.dataSource.getRepository(CompanyEntity);
    if (link) {
      const company = await companies.findOneBy({ id: link.localId, accountId: integration.accountId });
      // A company a PSA integration brought in keeps the PSA's name: the documentation tool carrying its PSA id follows it.
      const namedByPsa =
        company && company.name !== name && upstream.psaId && (await this.companyOfPsa(integration, upstream))?.id === company.id;
      if (company && (company.name === name || namedByPsa)) {
        await links.update({ id: link.id }, { lastSeenAt: now });
        return { companyId: company.id, action: ProvisionAction.UNCHANGED };
      }
      if (company && !(await companies.existsBy({ accountId: integration.accountId, name }))) {
        await inTransaction(this.dataSource, async (manager) => {
          await manager.update(CompanyEntity, { id: company.id }, { name });
          await manager.update(ExternalLinkEntity, { id: link.id }, { lastSeenAt: now });
          await recordAudit(manager, integration.accountId, this.actorOf(integration), [
            { action: 'company.renamed', targetId: company.id, details: { from: company.name, to: name } },
          ]);
        });
        return { companyId: company.id, action: ProvisionAction.UPDATED };
      }
      if (company) return { companyId: company.id, action: ProvisionAction.SKIPPED };
      await links.delete({ id: link.id });
    }
    // A documentation tool's organization synced there from a PSA carries the PSA's id: the company that PSA's
    // integration brought in here is the same one, whatever its name (IT Glue may shorten or rename it).
    const byPsa = upstream.psaId ? await this.companyOfPsa(integration, upstream) : null;
    const byName = byPsa ?? (await companies.findOneBy({ accountId: integration.accountId, name }));
    if (byName) {
      await inTransaction(this.dataSource, (manager) =>
        this.insertLink(manager, integration, ExternalResourceType.COMPANY, upstream.externalId, byName.id, null, now),
      );
      return { companyId: byName.id, action: ProvisionAction.LINKED };
    }
    const company: CompanyEntity = { id: newId(), accountId: integration.accountId, name, externalId: upstream.externalId, createdAt: now };
    await inTransaction(this.dataSource, async (manager) => {
      await manager.insert(CompanyEntity, company);
      await this.insertLink(manager, integration, ExternalResourceType.COMPANY, upstream.externalId, company.id, null, now);
      await recordAudit(manager, integration.accountId, this.actorOf(integration), [
        { action: 'company.created', targetId: company.id, details: { name, integrationId: integration.id } },
      ]);
    });
    return { companyId: company.id, action: ProvisionAction.CREATED };
  }

  /**
   * The company a PSA integration of the account linked to this PSA id, if any: of the PSA the documentation tool names
   * when it does (a ConnectWise company and an Autotask company may share a number), else of either.
   */
  private async companyOfPsa(integration: IntegrationEntity, upstream: UpstreamCompany): Promise<CompanyEntity | null> {
    const psaTypes = upstream.psaType ? [IntegrationType[upstream.psaType]] : [IntegrationType.CONNECTWISE, IntegrationType.AUTOTASK];
    const link = await this.dataSource
      .getRepository(ExternalLinkEntity)
      .createQueryBuilder('l')
      .innerJoin(IntegrationEntity, 'i', 'i.id = l.integration_id')
      .where('l.account_id = :accountId AND l.resource_type = :type AND l.external_id = :psaId AND i.type IN (:...psaTypes)', {
        accountId: integration.accountId,
        type: ExternalResourceType.COMPANY,
        psaId: upstream.psaId,
        psaTypes,
      })
      .getOne();
    return link ? this.dataSource.getRepository(CompanyEntity).findOneBy({ id: link.localId, accountId: integration.accountId }) : null;
  }

  /** Puts a user into a company (a PSA contact's company); no-op when already there. */
  async setUserCompany(integration: IntegrationEntity, userId: string, companyId: string | null): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(MembershipEntity)
      .update(
        companyId === null
          ? { id: userId, accountId: integration.accountId }
          : { id: userId, accountId: integration.accountId, companyId: IsNull() },
        { companyId, updatedAt: new Date() },
      );
    if (result.affected) this.publish(integration.accountId, 'user.changed', [userId]);
    return Boolean(result.affected);
  }
}
