import { describe, expect, it } from 'vitest';
import { emailProblem, emailProblemInDetail, parseAddressList } from './address-list.js';

describe('parseAddressList', () => {
  it('splits on commas, semicolons, spaces and new lines, and lower-cases emails', () => {
    const parsed = parseAddressList('a@x.com, B@X.com;c@x.com\nd@x.com\r\n  e@x.com\tf@x.com');
    expect(parsed.map((p) => p.email)).toEqual(['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'e@x.com', 'f@x.com']);
  });

  it('keeps names from "Name <email>" and quoted "Last, First" <email>', () => {
    const parsed = parseAddressList('Ada Lovelace <ada@x.com>, "Hopper, Grace" <grace@x.com>');
    expect(parsed.map((p) => [p.name, p.email])).toEqual([
      ['Ada Lovelace', 'ada@x.com'],
      ['Hopper, Grace', 'grace@x.com'],
    ]);
  });

  it('refuses words mixed with an address instead of guessing a name: "kim six@acme-it.test" is neither invited nor mailed', () => {
    const parsed = parseAddressList('kim six@acme-it.test\nok@acme-it.test');
    expect(parsed.map((p) => p.email)).toEqual([null, 'ok@acme-it.test']);
    expect(parsed[0]!.input).toBe('kim six@acme-it.test');
    expect(parsed[0]!.invalidReason).toContain('"kim <six@acme-it.test>"');
    expect(parsed[0]!.invalidReason).toContain('did you mean kim.six@acme-it.test?');
  });

  it('refuses a line of words without any address as one entry', () => {
    const parsed = parseAddressList('Alan Turing');
    expect(parsed).toHaveLength(1);
    expect(parsed[0]!.invalidReason).toMatch(/has no address/);
  });

  it('reports each invalid entry with the reason, keeping the valid ones', () => {
    const parsed = parseAddressList('good@x.com, no-at-sign, bad@nodot, a@@x.com, Bob <>');
    expect(parsed.map((p) => p.email)).toEqual(['good@x.com', null, null, null, null]);
    expect(parsed[1]!.invalidReason).toMatch(/no "@"/);
    expect(parsed[2]!.invalidReason).toMatch(/no dot/);
    expect(parsed[3]!.invalidReason).toBeTruthy();
    expect(parsed[4]!.invalidReason).toMatch(/empty/);
  });

  it('refuses a name over 200 characters instead of cutting it', () => {
    const [entry] = parseAddressList(`${'N'.repeat(201)} <long@x.com>`);
    expect(entry).toMatchObject({ email: null, invalidReason: 'The name has 201 characters; at most 200 are allowed.' });
    expect(parseAddressList(`${'N'.repeat(200)} <ok@x.com>`)[0]).toMatchObject({ email: 'ok@x.com', name: 'N'.repeat(200) });
  });

  it('ignores empty entries from doubled separators', () => {
    expect(parseAddressList(',,a@x.com;;\n\n')).toHaveLength(1);
  });
});

describe('emailProblem', () => {
  it.each([
    ['plain@example.com', null],
    ['first.last+tag@sub.example.co.uk', null],
    ['.dot@example.com', /misplaced dot/],
    ['a..b@example.com', /misplaced dot/],
    ['a@-example.com', /not a valid domain/],
    ['a@example.c0m', /top-level domain/],
    ['x'.repeat(65) + '@example.com', /64 characters/],
  ])('%s', (email, expected) => {
    const problem = emailProblem(email);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it('accepts through its one expression only addresses the step-by-step checks accept', () => {
    // Random addresses built from the characters each check is about: dots, hyphens, "@", spaces, digits, letters,
    // symbols email allows and some it does not, with parts of every length around the limits.
    let seed = 15;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'Z', '0', '9', '.', '.', '-', '-', '_', '+', "'", '@', ' ', '(', 'é', '!', '~', '`'];
    const part = (max: number) =>
      Array.from({ length: Math.floor(random() * max) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    const label = () => (random() < 0.5 ? 'example' : part(8)) + (random() < 0.1 ? 'x'.repeat(60) : '');
    const tld = () => ['com', 'co', 'c0m', 'c', 'x'.repeat(64), part(4)][Math.floor(random() * 6)];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const local = random() < 0.05 ? 'x'.repeat(60 + Math.floor(random() * 10)) : part(12);
      const labels = Array.from({ length: Math.floor(random() * 3) }, label);
      const email = `${local}@${[...labels, tld()].join('.')}`;
      const problem = emailProblem(email);
      expect([email, problem]).toEqual([email, emailProblemInDetail(email)]);
      if (problem === null) accepted++;
    }
    expect(accepted).toBeGreaterThan(200);
  });
});
