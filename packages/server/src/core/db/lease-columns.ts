import { Column } from 'typeorm';
import { utcDate } from './columns.js';

/**
 * The columns every leased row shares (import jobs, sync runs, outbox emails, webhook deliveries), defined
 * once so their names and types cannot drift apart. Changing one changes the schema of every such table:
 * generate a migration.
 */

/** `lease_owner`: the worker instance that holds the row, or null when nobody does. */
export const LeaseOwnerColumn = (): PropertyDecorator => Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true });

/** `lease_until`: when the holder's lease runs out and another instance may take the row. */
export const LeaseUntilColumn = (): PropertyDecorator =>
  Column({ name: 'lease_until', type: 'datetime', precision: 3, nullable: true, transformer: utcDate });

/** A UTC timestamp column with millisecond precision (`created_at`, `started_at`, `finished_at`...). */
export const TimestampColumn = (name: string, options: { nullable?: boolean } = {}): PropertyDecorator =>
  Column({ name, type: 'datetime', precision: 3, nullable: options.nullable ?? false, transformer: utcDate });
