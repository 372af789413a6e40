import { readName } from '../accounts/index.js';

/** One entry of a pasted address list, before anything is looked up. */
export interface ParsedAddress {
  /** The text as the admin typed it (trimmed), to show next to its verdict. */
  input: string;
  email: string | null;
  name: string | null;
  /** Why `email` is null. */
  invalidReason: string | null;
}

export const MAX_ADDRESSES_PER_REQUEST = 1000;
/** The longest pasted list read at all (characters). */
export const MAX_ADDRESS_TEXT = 1_000_000;

/**
 * Splits what an admin pastes into addresses: commas, semicolons, spaces, tabs and new lines separate
 * them; `Name <email>` and `"Last, First" <email>` keep their names. Words mixed with an address without the
 * angle brackets are an error with a suggestion, never split into a name and an address.
 */
export function parseAddressList(text: string): ParsedAddress[] {
  const chunks: string[] = [];
  let current = '';
  let inQuotes = false;
  let inAngle = false;
  for (const char of text) {
    if (char === '"') inQuotes = !inQuotes;
    else if (char === '<' && !inQuotes) inAngle = true;
    else if (char === '>' && !inQuotes) inAngle = false;
    if (!inQuotes && !inAngle && /[,;\n\r]/.test(char)) {
      chunks.push(current);
      current = '';
    } else current += char;
  }
  chunks.push(current);

  const results: ParsedAddress[] = [];
  for (const raw of chunks) {
    const chunk = raw.trim();
    if (!chunk) continue;
    const angle = /^(.*?)<([^<>]*)>\s*$/s.exec(chunk);
    if (angle) {
      const name =
        angle[1]!
          .trim()
          .replace(/^"(.*)"$/s, '$1')
          .trim() || null;
      results.push(withVerdict(chunk, angle[2]!.trim(), name));
      continue;
    }
    const tokens = chunk.split(/\s+/).filter(Boolean);
    if (tokens.length > 1 && tokens.some((t) => !t.includes('@'))) {
      // "kim six@acme.test" is a name and an address, or one mistyped address: guessing mailed the wrong person once.
      results.push({ input: chunk, email: null, name: null, invalidReason: ambiguityReason(tokens) });
      continue;
    }
    for (const token of tokens) results.push(withVerdict(token, token, null));
  }
  return results;
}

function ambiguityReason(tokens: string[]): string {
  const addresses = tokens.filter((t) => t.includes('@'));
  const words = tokens.filter((t) => !t.includes('@'));
  if (addresses.length === 1 && tokens[tokens.length - 1] === addresses[0]) {
    const joined = `${words.join('.')}.${addresses[0]}`.toLowerCase();
    return `Not an address: to name the person write "${words.join(' ')} <${addresses[0]}>"; if it is one address, did you mean ${joined}?`;
  }
  if (addresses.length === 0) return `"${tokens.join(' ')}" has no address: an address has an "@".`;
  return `Words and addresses are mixed: write each person as "Name <address>" or the address alone, one per line or separated by commas.`;
}

function withVerdict(input: string, candidate: string, rawName: string | null): ParsedAddress {
  const email = candidate.replace(/^mailto:/i, '').trim();
  const name = readName(rawName);
  const reason = emailProblem(email) ?? (name.ok ? null : name.problem);
  return { input, email: reason ? null : email.toLowerCase(), name: name.ok ? name.name : null, invalidReason: reason };
}

/**
 * Addresses every check of `emailProblemInDetail` accepts, in one expression: dot-separated runs of the characters
 * email allows before the "@" (so no leading, trailing or double dot), then at least two domain labels (letters,
 * digits, inner hyphens) ending in a top-level domain of letters. Lengths are checked beside it.
 */
const PLAIN_ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/**
 * Why an address cannot receive an invitation, in words an admin understands; null when it can. A well-formed
 * address passes one regular expression (an import of 50,000 rows judges 50,000 addresses: this is a fifth of the
 * time the checks one by one take); any other is checked step by step for the words of its problem.
 */
export function emailProblem(email: string): string | null {
  if (email.length <= 254 && email.lastIndexOf('@') <= 64 && PLAIN_ADDRESS.test(email)) return null;
  return emailProblemInDetail(email);
}

/** `emailProblem` step by step (exported for the test that holds PLAIN_ADDRESS to it). */
export function emailProblemInDetail(email: string): string | null {
  if (email.length === 0) return 'The address is empty.';
  if (email.length > 254) return 'The address is longer than 254 characters.';
  const at = email.lastIndexOf('@');
  if (at < 0) return 'The address has no "@".';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!local) return 'Nothing before the "@".';
  if (local.length > 64) return 'The part before the "@" is longer than 64 characters.';
  if (!domain) return 'Nothing after the "@".';
  if (local.includes('@')) return 'The address has more than one "@".';
  if (/\s/.test(email)) return 'The address contains a space.';
  if (!/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local)) return 'The part before the "@" contains characters email does not allow.';
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'The part before the "@" has a misplaced dot.';
  if (!domain.includes('.')) return `The domain "${domain}" has no dot (for example example.com).`;
  const labels = domain.split('.');
  if (labels.some((label) => !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)))
    return `The domain "${domain}" is not a valid domain name.`;
  if (!/^[A-Za-z]{2,63}$/.test(labels[labels.length - 1]!)) return `The domain "${domain}" does not end in a valid top-level domain.`;
  return null;
}
