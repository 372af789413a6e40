import { MAX_NAME, readJobTitle, readName, refusalToGrant, roleName, rolePlural } from '../accounts/index.js';
import { Role } from '../core/viewer.js';
import { emailProblem } from '../invitations/index.js';

/** Which column (0-based) holds each field; null when absent. */
export interface ImportMapping {
  email: number | null;
  name: number | null;
  firstName: number | null;
  lastName: number | null;
  jobTitle: number | null;
  role: number | null;
  company: number | null;
  groups: number | null;
}

export const EMPTY_MAPPING: ImportMapping = {
  email: null,
  name: null,
  firstName: null,
  lastName: null,
  jobTitle: null,
  role: null,
  company: null,
  groups: null,
};

const HEADER_PATTERNS: Array<[keyof ImportMapping, RegExp]> = [
  ['email', /^(e ?mail|e ?mail address|email addr|mail|login|user ?name|upn|user principal name|work e ?mail)$/],
  ['name', /^(name|full ?name|display ?name|user|person)$/],
  ['firstName', /^(first ?name|given ?name|forename)$/],
  ['lastName', /^(last ?name|surname|family ?name)$/],
  ['jobTitle', /^(title|job ?title|position)$/],
  ['role', /^(role|roles|access|access level|permission)$/],
  ['company', /^(company|company name|organi[sz]ation|client|customer|account)$/],
  ['groups', /^(groups?|teams?|departments?)$/],
];

/** Recognises a header row in any letter case; returns its mapping, or null when the row is data. */
export function mappingFromHeader(cells: string[]): ImportMapping | null {
  const mapping: ImportMapping = { ...EMPTY_MAPPING };
  let recognised = 0;
  cells.forEach((cell, index) => {
    const title = cell
      .trim()
      .toLowerCase()
      .replace(/[_.-]+/g, ' ')
      .replace(/\s+/g, ' ')
      .replace(/^\uFEFF/, '');
    for (const [field, pattern] of HEADER_PATTERNS) {
      if (mapping[field] === null && pattern.test(title)) {
        mapping[field] = index;
        recognised++;
        break;
      }
    }
  });
  return recognised > 0 && !cells.some((cell) => emailProblem(cell.trim()) === null) ? mapping : null;
}

/** Without a header: the column whose cells look like emails is the email, the next text column the name. */
export function guessMapping(sample: string[][]): ImportMapping {
  const mapping: ImportMapping = { ...EMPTY_MAPPING };
  const width = Math.max(0, ...sample.map((row) => row.length));
  let bestEmail = -1;
  let bestScore = 0;
  for (let column = 0; column < width; column++) {
    const score = sample.filter((row) => row[column] && emailProblem(row[column]!.trim()) === null).length;
    if (score > bestScore) [bestEmail, bestScore] = [column, score];
  }
  if (bestEmail < 0) return mapping;
  mapping.email = bestEmail;
  for (let column = 0; column < width; column++) {
    if (column === bestEmail) continue;
    const values = sample.map((row) => row[column]?.trim() ?? '').filter(Boolean);
    if (mapping.role === null && values.length > 0 && values.every((v) => parseRole(v) !== 'unknown')) mapping.role = column;
    else if (mapping.name === null && values.length > 0) mapping.name = column;
  }
  return mapping;
}

export function parseRole(value: string): Role | null | 'unknown' {
  const role = value.trim().toLowerCase();
  if (role === '') return null;
  if (['admin', 'administrator', 'admins'].includes(role)) return Role.ADMIN;
  if (['member', 'user', 'members', 'standard'].includes(role)) return Role.MEMBER;
  if (role === 'owner') return Role.OWNER;
  return 'unknown';
}

/** Group cells list several groups separated by `;`, `,` or `|`. */
export function splitGroups(value: string): string[] {
  return [
    ...new Set(
      value
        .split(/[;,|]/)
        .map((g) => g.trim().replace(/\s+/g, ' '))
        .filter(Boolean),
    ),
  ];
}

export const ROW_VERDICTS = ['NEW', 'ALREADY_MEMBER', 'ALREADY_INVITED', 'INVALID', 'DUPLICATE', 'HEADER'] as const;
export type RowVerdict = (typeof ROW_VERDICTS)[number];

export interface EvaluatedRow {
  email: string | null;
  name: string | null;
  jobTitle: string | null;
  role: Role | null;
  company: string | null;
  groups: string[];
  /** Verdict from the row alone (INVALID or NEW); duplicates and existing users are decided with context. */
  verdict: 'NEW' | 'INVALID';
  reason: string | null;
}

const MAX_COLUMNS = 100;
const MAX_CELL = 2000;

/**
 * Reads one data row through the mapping; every problem comes back as a reason with the line number. A role
 * the importer may not grant makes the row invalid.
 *
 * It runs once per row of every preview (50,000 times for a large file), so the common case allocates little:
 * cells that are not mapped are not read, and the groups and name parts only when mapped.
 */
export function evaluateRow(cells: string[], line: number, mapping: ImportMapping, importerRole: Role): EvaluatedRow {
  const cell = (index: number | null) => (index === null ? '' : (cells[index] ?? '').trim());
  const invalid = (reason: string): EvaluatedRow => ({ ...base, verdict: 'INVALID', reason: `Line ${line}: ${reason}` });
  const nameParts =
    mapping.firstName === null && mapping.lastName === null
      ? ''
      : [cell(mapping.firstName), cell(mapping.lastName)].filter(Boolean).join(' ');
  const nameCell = cell(mapping.name) || nameParts;
  const groupsCell = cell(mapping.groups);
  const base: EvaluatedRow = {
    email: null,
    // Stored cut to the column (the row is kept to show it); a name too long makes the row invalid below.
    name: nameCell.slice(0, MAX_NAME) || null,
    jobTitle: null,
    role: null,
    company: cell(mapping.company).slice(0, 200) || null,
    groups: groupsCell === '' ? [] : splitGroups(groupsCell).map((g) => g.slice(0, 200)),
    verdict: 'NEW',
    reason: null,
  };
  if (cells.length > MAX_COLUMNS) return invalid(`the row has ${cells.length} columns; at most ${MAX_COLUMNS} are read.`);
  let notUtf8 = false;
  for (const c of cells) {
    if (c.length > MAX_CELL) return invalid(`a field is longer than ${MAX_CELL.toLocaleString('en')} characters.`);
    if (c.includes('\uFFFD')) notUtf8 = true;
  }
  if (mapping.email === null) return invalid('no column is mapped to email.');
  const emailCell = cell(mapping.email);
  const rawEmail = emailCell.length >= 7 && (emailCell[0] === 'm' || emailCell[0] === 'M') ? emailCell.replace(/^mailto:/i, '') : emailCell;
  if (notUtf8) return invalid('the row holds bytes that are not UTF-8; save the file as "CSV UTF-8".');
  if (!rawEmail) return invalid('the email is empty.');
  const problem = emailProblem(rawEmail);
  if (problem) return invalid(`"${rawEmail.slice(0, 80)}" is not a valid email: ${problem}`);
  const name = readName(nameCell);
  if (!name.ok) return invalid(`the name is too long (${name.problem.replace(/^The name has /, '').replace(/\.$/, '')}).`);
  const jobTitle = readJobTitle(cell(mapping.jobTitle));
  if (!jobTitle.ok) return invalid(`the job title is too long (${jobTitle.problem}).`);
  const roleCell = cell(mapping.role);
  const role = parseRole(roleCell);
  if (role === 'unknown') return invalid(`unknown role "${roleCell.slice(0, 40)}" (use Member or Administrator).`);
  const refusal = role ? refusalOf(importerRole, role) : null;
  if (role && refusal) return invalid(`only ${roleName(refusal.requiredRole)} can import ${rolePlural(role)}.`);
  base.email = rawEmail.toLowerCase();
  base.jobTitle = jobTitle.jobTitle;
  base.role = role;
  return base;
}

/** `refusalToGrant` for each pair of roles, asked once: a file of 50,000 rows holds a handful of roles. */
const refusals = new Map<Role, Map<Role, ReturnType<typeof refusalToGrant>>>();
function refusalOf(importer: Role, role: Role): ReturnType<typeof refusalToGrant> {
  let byRole = refusals.get(importer);
  if (!byRole) refusals.set(importer, (byRole = new Map()));
  if (!byRole.has(role)) byRole.set(role, refusalToGrant(importer, role));
  return byRole.get(role)!;
}
