import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { MembershipEntity } from '../accounts/membership.entity.js';
import {
  CompanyPayload,
  CreateCompanyInput,
  DeleteByIdInput,
  DeletePayload,
  RenameCompanyInput,
  SetUsersCompanyInput,
  UsersPayload,
} from './company-mutations.types.js';
import type { RequestContext } from '../core/context.js';
import { notFound } from '../core/errors.js';
import { LIVE_EVENT_USER_LIMIT } from '../core/events.js';
import { rowCountDescription } from '../core/lists/capped-count.js';
import { PageArgs } from '../core/lists/connection.js';
import { listByName } from '../core/lists/named-list.js';
import { selectsField } from '../core/selected-fields.js';
import { CompanyEntity } from './company.entity.js';
import { Company, CompanyConnection } from './company.types.js';

@Resolver(() => Company)
export class CompaniesResolver {
  @Query(() => CompanyConnection, { description: "The current MSP account's client companies, by name." })
  async companies(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 by default, at most 100.' }) page?: PageArgs,
    @Arg('search', () => String, {
      nullable: true,
      description:
        'The start of the name, any letter case (`cont` finds Contoso): names are searched through their index, by their start only.',
    })
    search?: string,
    @Info() info?: GraphQLResolveInfo,
  ) {
    const viewer = await ctx.admin();
    return listByName<Company, CompanyEntity>(
      ctx.services.dataSource,
      CompanyEntity,
      'uq_companies_account_name',
      ['id', 'name'],
      viewer.accountId,
      page,
      search,
      selectsField(info, 'totalCount'),
    );
  }

  @Query(() => Company, { description: 'One company of the current MSP account. NOT_FOUND for any other id.' })
  async company(@Arg('id', () => ID, { description: 'Id of the company.' }) id: string, @Ctx() ctx: RequestContext): Promise<Company> {
    const viewer = await ctx.admin();
    const company = await ctx.loaders(viewer).companyById.load(id);
    if (!company) throw notFound('Company', 'id');
    return company;
  }

  @FieldResolver(() => Int, { description: rowCountDescription('users belong to this company') })
  async userCount(@Root() company: Company, @Ctx() ctx: RequestContext): Promise<number> {
    return ctx.loaders(await ctx.viewer()).companyUserCount.load(company.id);
  }

  @Mutation(() => CompanyPayload, { description: 'Creates a company. BAD_USER_INPUT when the name is empty, too long or taken.' })
  async createCompany(
    @Arg('input', () => CreateCompanyInput, { description: 'The new company: its name.' }) input: CreateCompanyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CompanyPayload> {
    const company = await ctx.services.companies.create(await ctx.admin(), input.name);
    return { company: { id: company.id, name: company.name } };
  }

  @Mutation(() => CompanyPayload, { description: 'Renames a company.' })
  async renameCompany(
    @Arg('input', () => RenameCompanyInput, { description: 'The company and its new name.' }) input: RenameCompanyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CompanyPayload> {
    const company = await ctx.services.companies.update(await ctx.admin(), input.id, input.name);
    return { company: { id: company.id, name: company.name } };
  }

  @Mutation(() => DeletePayload, { description: 'Deletes a company; its users stay, without a company.' })
  async deleteCompany(
    @Arg('input', () => DeleteByIdInput, { description: 'The company to delete; its users stay, without a company.' })
    input: DeleteByIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<DeletePayload> {
    const viewer = await ctx.admin();
    const members = await ctx.services.dataSource
      .getRepository(MembershipEntity)
      .find({ where: { accountId: viewer.accountId, companyId: input.id }, select: { id: true }, take: LIVE_EVENT_USER_LIMIT + 1 });
    await ctx.services.companies.remove(viewer, input.id);
    if (members.length)
      ctx.services.events.publish({ accountId: viewer.accountId, type: 'user.changed', userIds: members.map((m) => m.id), at: new Date() });
    return { deletedId: input.id };
  }

  @Mutation(() => UsersPayload, { description: 'Puts users into a company, or (companyId null) out of their company.' })
  async setUsersCompany(
    @Arg('input', () => SetUsersCompanyInput, {
      description: 'The users and the company to put them in (null takes them out of any company).',
    })
    input: SetUsersCompanyInput,
    @Ctx() ctx: RequestContext,
  ): Promise<UsersPayload> {
    const viewer = await ctx.admin();
    const ids = await ctx.services.assignments.setCompany(viewer, input.userIds, input.companyId ?? null);
    return { users: await ctx.services.users.findManyById(viewer.accountId, ids) };
  }
}
