import type { DataSource } from 'typeorm';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupEntity } from '../groups/group.entity.js';
import type { ImportJobEntity } from './import-job.entity.js';
import type { PreviewTotals } from './import-model.js';
import { ImportRowEntity } from './import-row.entity.js';

/** A preview's rows counted by verdict, and the company and group names of its new rows that do not exist yet. */
export async function previewTotals(dataSource: DataSource, job: ImportJobEntity): Promise<PreviewTotals> {
  const rows: Array<{ verdict: string; n: string | number }> = await dataSource
    .getRepository(ImportRowEntity)
    .createQueryBuilder('r')
    .select(['r.verdict AS verdict', 'COUNT(*) AS n'])
    .where('r.job_id = :jobId', { jobId: job.id })
    .groupBy('r.verdict')
    .getRawMany();
  const byVerdict = { NEW: 0, ALREADY_MEMBER: 0, ALREADY_INVITED: 0, INVALID: 0, DUPLICATE: 0 };
  for (const row of rows) if (row.verdict in byVerdict) byVerdict[row.verdict as keyof typeof byVerdict] = Number(row.n);
  const named: Array<{ company: string | null; groups: string | null }> = await dataSource
    .getRepository(ImportRowEntity)
    .createQueryBuilder('r')
    .select(['r.company AS company', 'r.groups AS groups'])
    .where("r.job_id = :jobId AND r.verdict = 'NEW' AND (r.company IS NOT NULL OR r.groups IS NOT NULL)", { jobId: job.id })
    .getRawMany();
  const companyNames = new Map<string, string>();
  const groupNames = new Map<string, string>();
  for (const row of named) {
    if (row.company) companyNames.set(row.company.toLowerCase(), row.company);
    for (const group of row.groups ? (JSON.parse(row.groups) as string[]) : []) groupNames.set(group.toLowerCase(), group);
  }
  const existing = async (entity: typeof CompanyEntity | typeof GroupEntity, names: Map<string, string>) => {
    if (names.size === 0) return [];
    const found = await dataSource.getRepository(entity).find({ where: { accountId: job.accountId }, select: { name: true } });
    const known = new Set(found.map((f) => f.name.toLowerCase()));
    return [...names.entries()]
      .filter(([key]) => !known.has(key))
      .map(([, name]) => name)
      .sort();
  };
  return {
    total: Object.values(byVerdict).reduce((a, b) => a + b, 0),
    byVerdict,
    unknownCompanies: await existing(CompanyEntity, companyNames),
    unknownGroups: await existing(GroupEntity, groupNames),
  };
}
