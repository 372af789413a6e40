import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import { Role } from '../core/viewer.js';
import { CAPPED_COUNT_DESCRIPTION } from '../core/lists/capped-count.js';
import { ConnectionType } from '../core/lists/connection.js';
import { ImportJobState } from './import-job.entity.js';

registerEnumType(ImportJobState, {
  name: 'ImportJobState',
  description: 'Where an import stands.',
  valuesConfig: {
    PREVIEW: { description: 'Read and given verdicts; nothing imported yet.' },
    REJECTED: { description: 'The file could not be read at all; `error` says why.' },
    RUNNING: { description: 'Importing in the background.' },
    FINISHED: { description: 'Every row has its outcome.' },
    CANCELLED: { description: 'Stopped by an admin; the rows imported before stay, `error` says who stopped it and where.' },
    EXPIRED: { description: 'A preview not started within a day; its rows were removed. Upload the file again.' },
  },
});

export enum ImportRowVerdict {
  NEW = 'NEW',
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  ALREADY_INVITED = 'ALREADY_INVITED',
  INVALID = 'INVALID',
  DUPLICATE = 'DUPLICATE',
  HEADER = 'HEADER',
}
registerEnumType(ImportRowVerdict, {
  name: 'ImportRowVerdict',
  description: 'What the preview says about a row.',
  valuesConfig: {
    NEW: { description: 'Will get a new invitation.' },
    ALREADY_MEMBER: { description: 'The email belongs to an existing user.' },
    ALREADY_INVITED: { description: 'The email already has a pending invitation.' },
    INVALID: { description: 'Cannot be imported; `reason` says why, with the line number.' },
    DUPLICATE: { description: 'The email appears earlier in the file (letter case ignored).' },
    HEADER: { description: 'The header row.' },
  },
});

export enum ImportRowOutcome {
  INVITED = 'INVITED',
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  ALREADY_INVITED = 'ALREADY_INVITED',
  INVALID = 'INVALID',
  DUPLICATE = 'DUPLICATE',
  /** Stored as SEAT_LIMIT (import_rows.outcome holds 16 characters); the API says SEAT_LIMIT_REACHED. */
  SEAT_LIMIT_REACHED = 'SEAT_LIMIT',
}
registerEnumType(ImportRowOutcome, {
  name: 'ImportRowOutcome',
  description: 'What the import did with a row.',
  valuesConfig: {
    INVITED: { description: 'A new user was created and invited.' },
    ALREADY_MEMBER: { description: 'The address already belongs to a user of the account; nothing changed.' },
    ALREADY_INVITED: { description: 'The address already has a pending invitation; nothing changed (re-invite from the Users page).' },
    INVALID: { description: 'The row could not be used; see its reason and line number.' },
    DUPLICATE: { description: 'The address appears earlier in the file; only the first row counts.' },
    SEAT_LIMIT_REACHED: {
      description: "Not imported: the account's seat limit was reached by the rows before it; its reason says how many seats are left.",
    },
  },
});

export enum UnknownNamePolicy {
  CREATE = 'CREATE',
  SKIP = 'SKIP',
}
registerEnumType(UnknownNamePolicy, {
  name: 'UnknownNamePolicy',
  description: 'What to do with company or group names that do not exist yet.',
  valuesConfig: { CREATE: { description: 'Create them.' }, SKIP: { description: 'Import the user without them.' } },
});

@ObjectType({ description: 'Which column of the file holds each field (0-based); null when absent.' })
export class ImportMappingType {
  @Field(() => Int, { nullable: true, description: 'Email column.' }) email!: number | null;
  @Field(() => Int, { nullable: true, description: 'Full name column.' }) name!: number | null;
  @Field(() => Int, { nullable: true, description: 'First name column (joined with the last name when there is no full name).' })
  firstName!: number | null;
  @Field(() => Int, { nullable: true, description: 'Last name column.' }) lastName!: number | null;
  @Field(() => Int, { nullable: true, description: 'Job title column (at most 120 characters).' }) jobTitle!: number | null;
  @Field(() => Int, { nullable: true, description: 'Role column (Member, Administrator, Owner).' }) role!: number | null;
  @Field(() => Int, { nullable: true, description: 'Company name column.' }) company!: number | null;
  @Field(() => Int, { nullable: true, description: 'Groups column (several separated by ; , or |).' }) groups!: number | null;
}

@InputType({ description: 'Which column of the file holds each field (0-based).' })
export class ImportMappingInput {
  @Field(() => Int, { description: 'Email column (required).' }) email!: number;
  @Field(() => Int, { nullable: true, description: 'Full name column.' }) name?: number | null;
  @Field(() => Int, { nullable: true, description: 'First name column.' }) firstName?: number | null;
  @Field(() => Int, { nullable: true, description: 'Last name column.' }) lastName?: number | null;
  @Field(() => Int, { nullable: true, description: 'Job title column; left out, the current one is kept (null clears it).' }) jobTitle?:
    number | null;
  @Field(() => Int, { nullable: true, description: 'Role column.' }) role?: number | null;
  @Field(() => Int, { nullable: true, description: 'Company name column.' }) company?: number | null;
  @Field(() => Int, { nullable: true, description: 'Groups column.' }) groups?: number | null;
}

@ObjectType({ description: 'How many rows got each verdict, and the company and group names that do not exist yet.' })
export class ImportPreviewTotals {
  @Field(() => Int, { description: 'Data rows (the header excluded).' }) total!: number;
  @Field(() => Int, { description: 'Rows that will be invited.' }) new!: number;
  @Field(() => Int, { description: 'Rows whose email is already a member.' }) alreadyMember!: number;
  @Field(() => Int, { description: 'Rows whose email is already invited.' }) alreadyInvited!: number;
  @Field(() => Int, { description: 'Rows that cannot be imported.' }) invalid!: number;
  @Field(() => Int, { description: 'Rows repeating an earlier email.' }) duplicate!: number;
  @Field(() => [String], { description: 'Company names in new rows that do not exist yet.' }) unknownCompanies!: string[];
  @Field(() => [String], { description: 'Group names in new rows that do not exist yet.' }) unknownGroups!: string[];
}

@ObjectType({ description: 'What the import has done so far.' })
export class ImportOutcomeTotals {
  @Field(() => Int, { description: 'Users invited.' }) invited!: number;
  @Field(() => Int, { description: 'Rows skipped: already a member.' }) alreadyMember!: number;
  @Field(() => Int, { description: 'Rows skipped: already invited.' }) alreadyInvited!: number;
  @Field(() => Int, { description: 'Rows skipped: invalid.' }) invalid!: number;
  @Field(() => Int, { description: 'Rows skipped: duplicate in the file.' }) duplicate!: number;
  @Field(() => Int, { description: "Rows not imported: the account's seat limit was reached." }) seatLimitReached!: number;
}

@ObjectType({ description: 'One row of an import, as read, with its verdict and (once imported) its outcome.' })
export class ImportRow {
  @Field(() => Int, { description: 'Line of the file where the row starts.' }) line!: number;
  @Field(() => [String], { description: 'The cells as read.' }) cells!: string[];
  @Field(() => String, { nullable: true, description: 'The email, normalised, when valid.' }) email!: string | null;
  @Field(() => String, { nullable: true, description: 'The name read from the row.' }) name!: string | null;
  @Field(() => Role, { nullable: true, description: 'The role read from the row; null means the default role.' }) role!: Role | null;
  @Field(() => String, { nullable: true, description: 'The company name read from the row.' }) company!: string | null;
  @Field(() => [String], { description: 'The group names read from the row.' }) groups!: string[];
  @Field(() => ImportRowVerdict, { description: 'What the preview says.' }) verdict!: ImportRowVerdict;
  @Field(() => String, { nullable: true, description: 'Why, with the line number, for invalid and duplicate rows.' }) reason!:
    string | null;
  @Field(() => ImportRowOutcome, { nullable: true, description: 'What the import did; null until processed.' })
  outcome!: ImportRowOutcome | null;
  @Field(() => String, { nullable: true, description: 'Details of the outcome.' }) outcomeReason!: string | null;
  @Field(() => ID, { nullable: true, description: 'The user this row is, when there is one.' }) userId!: string | null;
}

export const ImportRowConnection = ConnectionType(ImportRow, 'ImportRow', 'import rows', CAPPED_COUNT_DESCRIPTION);

@ObjectType({ description: 'An import of users from a CSV file or from rows sent through the API.' })
export class ImportJob {
  @Field(() => ID, { description: 'Opaque id.' }) id!: string;
  @Field(() => String, { nullable: true, description: 'Name of the uploaded file (or given with API rows).' }) fileName!: string | null;
  @Field(() => ImportJobState, { description: 'Where the import stands.' }) state!: ImportJobState;
  @Field(() => String, {
    nullable: true,
    description: 'Why the file was rejected, or who cancelled the import and where it stopped, or why the preview expired.',
  })
  error!: string | null;
  @Field(() => String, { nullable: true, description: 'The delimiter found: `,` `;` or a tab.' }) delimiter!: string | null;
  @Field(() => Boolean, { description: 'True when the first row is a header.' }) hasHeader!: boolean;
  @Field(() => [String], { description: 'Column titles (from the header, or Column 1, Column 2...).' }) columns!: string[];
  @Field(() => ImportMappingType, { nullable: true, description: 'Which column holds which field.' }) mapping!: ImportMappingType | null;
  @Field(() => Int, { description: 'Data rows in the file.' }) totalRows!: number;
  @Field(() => Int, { description: 'Rows processed so far.' }) processedRows!: number;
  @Field(() => Float, { description: 'processedRows / totalRows, from 0 to 1.' }) progress!: number;
  @Field(() => ImportOutcomeTotals, { description: 'What the import has done so far.' }) outcomes!: ImportOutcomeTotals;
  @Field(() => GraphQLISODateTime, { description: 'When the file was uploaded.' }) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the import started.' }) startedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it finished.' }) finishedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Who ran it (name or email).' }) createdBy!: string | null;
  @Field(() => String, { description: 'Where to download the result CSV (each input row with its outcome).' }) resultCsvUrl!: string;
  @Field(() => String, {
    description:
      "Where to download the rows not imported (invalid, duplicate, or not reached by a cancelled import) as CSV: the file's own columns plus a reason column that a re-import ignores, so it can be fixed and uploaded again as it is.",
  })
  failedRowsCsvUrl!: string;

  accountId!: string;
  createdByPersonId!: string | null;
}

export const ImportJobConnection = ConnectionType(ImportJob, 'ImportJob');

@InputType({ description: 'One user to import, as an API client sends it.' })
export class ImportRowInput {
  @Field(() => String, { description: 'Email address.' }) email!: string;
  @Field(() => String, { nullable: true, description: 'Name.' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'Member, Administrator or Owner; empty for the default role.' }) role?: string | null;
  @Field(() => String, { nullable: true, description: 'Company name.' }) company?: string | null;
  @Field(() => [String], { nullable: true, description: 'Group names.' }) groups?: string[] | null;
  @Field(() => String, { nullable: true, description: 'Job title (at most 120 characters).' }) jobTitle?: string | null;
}

@InputType({ description: 'Rows to preview as an import.' })
export class PreviewImportInput {
  @Field(() => [ImportRowInput], { description: 'At most 10,000 rows.' }) rows!: ImportRowInput[];
  @Field(() => String, { nullable: true, description: 'A name for this import, shown in the list of past imports.' }) name?: string | null;
}

@InputType({ description: 'A new column mapping for a previewed import.' })
export class UpdateImportMappingInput {
  @Field(() => ID, { description: 'The import.' }) jobId!: string;
  @Field(() => ImportMappingInput, { description: 'Which column holds which field.' }) mapping!: ImportMappingInput;
  @Field(() => Boolean, { description: 'Whether the first row is a header.' }) hasHeader!: boolean;
}

@InputType({ description: 'Starts a previewed import.' })
export class StartImportInput {
  @Field(() => ID, { description: 'The import.' }) jobId!: string;
  @Field(() => Role, { defaultValue: Role.MEMBER, description: 'Role for rows without one.' }) defaultRole!: Role;
  @Field(() => Boolean, { defaultValue: true, description: 'Send invitation emails.' }) sendEmails!: boolean;
  @Field(() => UnknownNamePolicy, { defaultValue: UnknownNamePolicy.CREATE, description: 'Unknown company names: create them or skip.' })
  unknownCompanies!: UnknownNamePolicy;
  @Field(() => UnknownNamePolicy, { defaultValue: UnknownNamePolicy.CREATE, description: 'Unknown group names: create them or skip.' })
  unknownGroups!: UnknownNamePolicy;
}

@InputType({ description: 'Cancels a running import.' })
export class CancelImportInput {
  @Field(() => ID, { description: 'The running import.' }) jobId!: string;
}

@ObjectType({ description: 'The import after a change.' })
export class ImportJobPayload {
  @Field(() => ImportJob, { description: 'The import.' }) job!: ImportJob;
}
