import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../app/context.js';
import { notFound } from '../app/errors.js';
import { PageArgs } from '../common/connection.js';
import { listByName } from '../common/named-list.js';
import { CompanyEntity } from './company.entity.js';
import { Company, CompanyConnection } from './company.types.js';

@Resolver(() => Company)
export class CompaniesResolver {
  @Query(() => CompanyConnection, { description: "The current MSP account's client companies, by name." })
  async companies(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 by default, at most 100.' }) page?: PageArgs,
    @Arg('search', () => String, { nullable: true, description: 'Part of the name, any letter case.' }) search?: string,
  ) {
    const viewer = await ctx.admin();
    return listByName<Company, CompanyEntity>(ctx.services.dataSource, CompanyEntity, ['id', 'name'], viewer.accountId, page, search);
  }

  @Query(() => Company, { description: 'One company of the current MSP account. NOT_FOUND for any other id.' })
  async company(@Arg('id', () => ID, { description: 'Id of the company.' }) id: string, @Ctx() ctx: RequestContext): Promise<Company> {
    const viewer = await ctx.admin();
    const company = await ctx.loaders(viewer).companyById.load(id);
    if (!company) throw notFound('Company', 'id');
    return company;
  }

  @FieldResolver(() => Int, { description: 'How many users belong to this company.' })
  async userCount(@Root() company: Company, @Ctx() ctx: RequestContext): Promise<number> {
    return ctx.loaders(await ctx.viewer()).companyUserCount.load(company.id);
  }
}
