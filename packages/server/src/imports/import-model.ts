import type { DataSource } from 'typeorm';
import type { Role } from '../accounts/index.js';
import type { RowVerdict } from './mapping.js';

export interface ImportOptions {
  defaultRole: Role;
  sendEmails: boolean;
  /** What to do with company and group names that do not exist yet. */
  unknownCompanies: 'CREATE' | 'SKIP';
  unknownGroups: 'CREATE' | 'SKIP';
}

export interface ImportRowInput {
  email: string;
  name?: string | null;
  role?: string | null;
  company?: string | null;
  groups?: string[] | null;
  jobTitle?: string | null;
}

export interface PreviewTotals {
  total: number;
  byVerdict: Record<Exclude<RowVerdict, 'HEADER'>, number>;
  unknownCompanies: string[];
  unknownGroups: string[];
}

/** What every import verb needs from the server: the database, the upload limit, and who to tell about a started job. */
export interface ImportContext {
  dataSource: DataSource;
  maxBytes: number;
  onStarted: () => void;
}

/** Rows read, judged and written per chunk. */
export const CHUNK = 1000;
export const MAX_API_ROWS = 10_000;
