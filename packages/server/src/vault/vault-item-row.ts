import type { VaultItem } from './vault.types.js';
import type { VaultItemEntity } from './vault-item.entity.js';

/** What may be shown of an item without revealing it: never a sealed column, not even its ciphertext. */
export function toVaultItem(row: VaultItemEntity): VaultItem {
  return {
    id: row.id,
    companyId: row.companyId,
    name: row.name,
    username: row.username,
    url: row.url,
    hasNotes: row.sealedNotes !== null,
    hasTotp: row.sealedTotpSecret !== null,
    integrationId: row.integrationId,
    upstreamId: row.upstreamId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    archivedAt: row.archivedAt,
  };
}

/** The plain values an item is made of, before sealing. */
export interface VaultItemValues {
  name: string;
  username: string | null;
  url: string | null;
  password: string;
  notes: string | null;
  totpSecret: string | null;
}

const clip = (value: string | null | undefined, max: number): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max) : null;
};

/** Trims and bounds the plain columns to what the table holds (an upstream may send longer ones). */
export function normalizeValues(values: VaultItemValues): VaultItemValues {
  return {
    name: clip(values.name, 200) ?? '(unnamed)',
    username: clip(values.username, 255),
    url: clip(values.url, 2000),
    password: values.password,
    notes: values.notes ? values.notes : null,
    totpSecret: clip(values.totpSecret, 255),
  };
}
