import { AccountEntity } from '../accounts/account.entity.js';
import { MembershipEntity } from '../accounts/membership.entity.js';
import { PersonEntity } from '../accounts/person.entity.js';
import { SessionEntity } from '../auth/session.entity.js';
import { CompanyEntity } from '../companies/company.entity.js';
import { GroupMemberEntity } from '../groups/group-member.entity.js';
import { GroupEntity } from '../groups/group.entity.js';

/** Every entity, listed explicitly (no globs) so the build, tests and the migration generator agree. */
export const entities = [AccountEntity, PersonEntity, MembershipEntity, CompanyEntity, GroupEntity, GroupMemberEntity, SessionEntity];
