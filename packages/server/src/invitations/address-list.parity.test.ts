import { describe, expect, it } from 'vitest';
import * as web from '../../../web/src/features/users/address-list.js';
import { emailProblem, MAX_ADDRESSES_PER_REQUEST, parseAddressList } from './address-list.js';

/*
 * The invite dialog judges each pasted line as it is typed with the web's copy of these rules
 * (packages/web/src/features/users/address-list.ts). One table of cases runs through both: a rule changed on one
 * side only fails here, instead of the dialog calling a line fine that the server then refuses (or the reverse).
 */

const LISTS: string[] = [
  'a@x.com, B@X.com;c@x.com\nd@x.com\r\n  e@x.com\tf@x.com',
  'Ada Lovelace <ada@x.com>, "Hopper, Grace" <grace@x.com>',
  'kim six@acme-it.test\nok@acme-it.test',
  'kim six@acme-it.test other@acme-it.test',
  'one@acme.test two@acme.test three@acme.test',
  'Alan Turing',
  'good@x.com, no-at-sign, bad@nodot, a@@x.com, Bob <>',
  'mailto:Someone@Example.com',
  `${'N'.repeat(201)} <long@x.com>`,
  `${'N'.repeat(200)} <ok@x.com>`,
  ',,a@x.com;;\n\n',
  '"Quoted; name" <q@x.com>; <bare@x.com>',
  'Name <a@x.com> trailing',
  'x@-bad.com, x@bad-.com, x@ok.c0m, x@ok.c, .dot@x.com, a..b@x.com, dot.@x.com',
  `${'l'.repeat(65)}@x.com, ${'l'.repeat(64)}@x.com`,
  `a@${'d'.repeat(250)}.com`,
  'spa ce@x.com',
  'üñí@x.com, plus+tag@sub.example.co.uk',
  '',
  '   \n\t ',
];

const EMAILS: string[] = [
  'plain@example.com',
  'first.last+tag@sub.example.co.uk',
  '',
  'no-at',
  '@x.com',
  'a@',
  'a@b@c.com',
  'a b@x.com',
  'a(b)@x.com',
  '.a@x.com',
  'a.@x.com',
  'a..b@x.com',
  'a@nodot',
  'a@-x.com',
  'a@x.c0m',
  'x'.repeat(65) + '@x.com',
  'a@' + 'd'.repeat(260) + '.com',
];

describe('the address rules of the server and of the invite dialog', () => {
  it.each(LISTS.map((list) => [list.length > 60 ? `${list.slice(0, 57)}...` : list, list]))('parse %j the same', (_label, list) => {
    expect(web.parseAddressList(list)).toEqual(parseAddressList(list));
  });

  it.each(EMAILS)('judge %j the same', (email) => {
    expect(web.emailProblem(email)).toBe(emailProblem(email));
  });

  it('have the same limit per request', () => {
    expect(web.MAX_ADDRESSES_PER_REQUEST).toBe(MAX_ADDRESSES_PER_REQUEST);
  });

  it('are the rules the issue asked for (so both cannot drift together into the old split)', () => {
    const [kim] = web.parseAddressList('kim six@acme-it.test');
    expect(kim).toMatchObject({ email: null, name: null });
    expect(kim!.invalidReason).toContain('did you mean kim.six@acme-it.test?');
    expect(web.parseAddressList(`${'N'.repeat(201)} <long@x.com>`)[0]!.invalidReason).toBe(
      'The name has 201 characters; at most 200 are allowed.',
    );
  });
});
