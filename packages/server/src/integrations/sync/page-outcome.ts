import { In, type DataSource } from 'typeorm';
import { ExternalLinkEntity } from '../external-link.entity.js';
import type { IntegrationEntity } from '../integration.entity.js';
import type { ExternalResourceType } from '../integration-kinds.js';
import { ProvisionAction } from '../provisioning.service.js';
import { SyncItemAction } from './sync-run-item.entity.js';
import type { SyncCounts } from './sync-run.entity.js';
import type { ItemDraft } from './sync-run-lease.js';

/* What the stages share: how an outcome is recorded on the page, and the links of a page's upstream ids. */

/** Counts one object under `key` and, when given, lists it as an item of the run. */
export type RecordOutcome = (key: keyof SyncCounts, item: ItemDraft | null) => void;

/** Records what provisioning did to one upstream object, in the words the run's items use. */
export function recordProvision(
  record: RecordOutcome,
  base: Pick<ItemDraft, 'resourceType' | 'externalId' | 'label'>,
  action: ProvisionAction,
  localId: string | null,
  reason: string | null,
): void {
  const item = (itemAction: SyncItemAction, message: string | null): ItemDraft => ({
    ...base,
    action: itemAction,
    localId,
    message: reason ?? message,
  });
  switch (action) {
    case ProvisionAction.INVITED:
      return record('created', item(SyncItemAction.CREATED, 'Invited.'));
    case ProvisionAction.STAGED:
      return record('created', item(SyncItemAction.CREATED, 'Staged for an administrator’s review (auto-invite is off).'));
    case ProvisionAction.CREATED:
      return record('created', item(SyncItemAction.CREATED, null));
    case ProvisionAction.LINKED:
      return record('linked', item(SyncItemAction.LINKED, 'An existing user with this email is now tied to the upstream object.'));
    case ProvisionAction.UPDATED:
      return record('updated', item(SyncItemAction.UPDATED, null));
    case ProvisionAction.SUSPENDED:
      return record('suspended', item(SyncItemAction.SUSPENDED, 'Disabled upstream.'));
    case ProvisionAction.RESTORED:
      return record('restored', item(SyncItemAction.RESTORED, 'Enabled upstream again.'));
    case ProvisionAction.UNCHANGED:
      return record('unchanged', null);
    default:
      return record('skipped', item(SyncItemAction.SKIPPED, null));
  }
}

/** The local ids linked to these upstream ids by this integration (in chunks, so a page of any size is a few queries). */
export async function linkedLocalIds(
  dataSource: DataSource,
  integration: IntegrationEntity,
  type: ExternalResourceType,
  externalIds: string[],
): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (let i = 0; i < externalIds.length; i += 500) {
    const chunk = externalIds.slice(i, i + 500);
    const links = await dataSource.getRepository(ExternalLinkEntity).find({
      where: { integrationId: integration.id, resourceType: type, externalId: In(chunk) },
      select: { externalId: true, localId: true },
    });
    for (const link of links) result.set(link.externalId!, link.localId);
  }
  return result;
}
