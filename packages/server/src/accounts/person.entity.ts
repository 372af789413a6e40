import { Column, Entity, PrimaryColumn } from 'typeorm';
import { utcDate } from '../core/db/columns.js';

/** A global identity: one email, one sign-in, possibly members of several MSP accounts. */
@Entity({ name: 'people' })
export class PersonEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Normalised (trimmed, lower-case); unique across Roster. */
  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name!: string | null;

  /** scrypt hash; null until the person sets a password (e.g. while only invited). */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3, transformer: utcDate })
  createdAt!: Date;
}
