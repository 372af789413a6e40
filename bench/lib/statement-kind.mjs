// Plain JavaScript so that both the benchmark (under tsx) and a Roster child process started without tsx
// (`roster-server.mjs` on the built code) share it. Types: statement-kind.d.mts.

/** A statement's verb and main table ("INSERT outbox_emails", "SELECT memberships", "COMMIT"), to tally what a phase ran. */
export function statementKind(sql) {
  // Only the head (verb, table, a SELECT's column list up to FROM) and the tail (RETURNING) are read, so a
  // multi-megabyte multi-row INSERT is not copied: the tally runs inside the process whose memory is measured
  // (and its CPU: an INSERT's head is its first 300 characters, not 6,000).
  const headLength = /^\s*INSERT\b/i.test(sql.slice(0, 40)) ? 300 : 6000;
  const text = (sql.length > headLength + 2000 ? `${sql.slice(0, headLength)} ${sql.slice(-2000)}` : sql).trim().replace(/\s+/g, ' ');
  const verb = (text.match(/^\w+/)?.[0] ?? '?').toUpperCase();
  const table =
    verb === 'INSERT'
      ? text.match(/^INSERT (?:IGNORE )?INTO [`"]?(\w+)/i)?.[1]
      : verb === 'UPDATE'
        ? text.match(/^UPDATE [`"]?(\w+)/i)?.[1]
        : verb === 'DELETE' || verb === 'SELECT'
          ? text.match(/ FROM [`"]?(\w+)/i)?.[1]
          : undefined;
  const returning = verb === 'INSERT' && / RETURNING /i.test(text) ? ' ... RETURNING' : '';
  return table ? `${verb} ${table}${returning}` : verb;
}
