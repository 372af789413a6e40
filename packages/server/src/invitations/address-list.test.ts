import { describe, expect, it } from 'vitest';
import { emailProblem, parseAddressList } from './address-list.js';

describe('parseAddressList', () => {
  it('splits on commas, semicolons, spaces and new lines, and lower-cases emails', () => {
    const parsed = parseAddressList('a@x.com, B@X.com;c@x.com\nd@x.com\r\n  e@x.com\tf@x.com');
    expect(parsed.map((p) => p.email)).toEqual(['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'e@x.com', 'f@x.com']);
  });

  it('keeps names from "Name <email>", quoted "Last, First" <email>, and "First Last email"', () => {
    const parsed = parseAddressList('Ada Lovelace <ada@x.com>, "Hopper, Grace" <grace@x.com>\nAlan Turing alan@x.com');
    expect(parsed.map((p) => [p.name, p.email])).toEqual([
      ['Ada Lovelace', 'ada@x.com'],
      ['Hopper, Grace', 'grace@x.com'],
      ['Alan Turing', 'alan@x.com'],
    ]);
  });

  it('reports each invalid entry with the reason, keeping the valid ones', () => {
    const parsed = parseAddressList('good@x.com, no-at-sign, bad@nodot, a@@x.com, Bob <>');
    expect(parsed.map((p) => p.email)).toEqual(['good@x.com', null, null, null, null]);
    expect(parsed[1]!.invalidReason).toMatch(/no "@"/);
    expect(parsed[2]!.invalidReason).toMatch(/no dot/);
    expect(parsed[3]!.invalidReason).toBeTruthy();
    expect(parsed[4]!.invalidReason).toMatch(/empty/);
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
});
