/** A statement's verb and main table ("INSERT outbox_emails", "SELECT memberships", "COMMIT"), to tally what a phase ran. */
export declare function statementKind(sql: string): string;
