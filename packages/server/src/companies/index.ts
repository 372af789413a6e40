/** The companies feature's public entry: client companies (a user belongs to at most one). */
import type DataLoader from 'dataloader';
import type { NamedCollection } from '../core/lists/named-collection.js';
import type { CompanyEntity } from './company.entity.js';
import type { Company } from './company.types.js';

declare module '../core/context.js' {
  interface Services {
    companies: NamedCollection<CompanyEntity>;
  }
  interface Loaders {
    companyById: DataLoader<string, Company | null>;
    companyUserCount: DataLoader<string, number>;
  }
}
