import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';
import { Role, UserSource, UserStatus } from './roles.js';
import { AccountEntity } from './account.entity.js';
import { PersonEntity } from './person.entity.js';
import { CompanyEntity } from '../companies/company.entity.js';

/**
 * A person's place in one MSP account: what admins call a "user". It exists from the moment of the
 * invitation, before any person has signed up, so it carries the invited email itself; `personId` is set
 * when the invitation is accepted.
 */
@Entity({ name: 'memberships' })
@Index('uq_memberships_account_email', ['accountId', 'email'], { unique: true })
@Index('uq_memberships_account_person', ['accountId', 'personId'], { unique: true })
// The Users page reads one page in any of its orders, and under any one filter in email order, by walking an index:
// never by sorting or counting the account (cost independent of its size; users.service.ts, EXPLAIN-checked by
// users-plans.integration.test.ts). Role and status orders walk the role/status index one value at a time.
@Index('ix_memberships_account_email_id', ['accountId', 'email', 'id'])
@Index('ix_memberships_account_name_id', ['accountId', 'name', 'id'])
@Index('ix_memberships_account_active_id', ['accountId', 'lastActiveAt', 'id'])
@Index('ix_memberships_account_created_id', ['accountId', 'createdAt', 'id'])
@Index('ix_memberships_account_status_email', ['accountId', 'status', 'email', 'id'])
@Index('ix_memberships_account_role_email', ['accountId', 'role', 'email', 'id'])
@Index('ix_memberships_account_company_email', ['accountId', 'companyId', 'email', 'id'])
// A search by domain ("contoso.com", "@contoso") walks the domain index: admins look for everyone at a client.
@Index('ix_memberships_account_domain_email', ['accountId', 'emailDomain', 'email', 'id'])
@Index('ix_memberships_account_external', ['accountId', 'externalId'])
export class MembershipEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'account_id', type: 'varchar', length: 36 })
  accountId!: string;

  @Column({ name: 'person_id', type: 'varchar', length: 36, nullable: true })
  personId!: string | null;

  /** Normalised email, unique per account (enforced by uq_memberships_account_email). */
  @Column({ type: 'varchar', length: 320 })
  email!: string;

  /** The part after the "@", kept by the database itself (a generated column), so no writer can forget it. */
  @Column({
    name: 'email_domain',
    type: 'varchar',
    length: 320,
    nullable: true,
    generatedType: 'VIRTUAL',
    asExpression: "substr(email, instr(email, '@') + 1)",
    insert: false,
    update: false,
    select: false,
  })
  emailDomain?: string | null;

  /** The name an admin or an import gave before the person chose their own. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  /** Free text from the invite or an import (rule in job-title.ts). */
  @Column({ name: 'job_title', type: 'varchar', length: 120, nullable: true })
  jobTitle!: string | null;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ type: 'varchar', length: 16 })
  status!: UserStatus;

  @Column({ type: 'varchar', length: 16 })
  source!: UserSource;

  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId!: string | null;

  @Column({ name: 'company_id', type: 'varchar', length: 36, nullable: true })
  companyId!: string | null;

  @Column({ name: 'last_active_at', type: 'datetime', precision: 3, nullable: true, transformer: utcDate })
  lastActiveAt!: Date | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3, transformer: utcDate })
  updatedAt!: Date;

  @ManyToOne(() => AccountEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: AccountEntity;

  @ManyToOne(() => PersonEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'person_id' })
  person?: PersonEntity;

  @ManyToOne(() => CompanyEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'company_id' })
  company?: CompanyEntity;
}
