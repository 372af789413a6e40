import { Field, ID, ObjectType } from 'type-graphql';
import { CAPPED_COUNT_DESCRIPTION } from '../core/lists/capped-count.js';
import { ConnectionType } from '../core/lists/connection.js';

@ObjectType({ description: 'A client company the MSP manages.', simpleResolvers: true })
export class Company {
  @Field(() => ID, { description: 'Opaque id of the company.' })
  id!: string;

  @Field(() => String, { description: 'Company name, unique in the MSP account.' })
  name!: string;
}

export const CompanyConnection = ConnectionType(Company, 'Company', 'companies', CAPPED_COUNT_DESCRIPTION);
