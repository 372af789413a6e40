import { describe, expect, it } from 'vitest';
import { encodeCursor, MAX_PAGE_SIZE, toPageRequest } from './connection.js';

const codeAndField = (fn: () => unknown) => {
  try {
    fn();
  } catch (error: any) {
    return { code: error.extensions.code, field: error.extensions.field, message: error.message };
  }
  throw new Error('expected an error');
};

describe('toPageRequest', () => {
  it('reads forward by default, 25 items', () => {
    expect(toPageRequest(undefined, 'EMAIL:ASC')).toEqual({ size: 25, direction: 'forward', cursor: null });
  });

  it('refuses a page larger than the maximum, naming the argument', () => {
    expect(codeAndField(() => toPageRequest({ first: MAX_PAGE_SIZE + 1 }, 'EMAIL:ASC'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first',
    });
    expect(codeAndField(() => toPageRequest({ last: -1 }, 'EMAIL:ASC'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'last' });
  });

  it('refuses malformed and tampered cursors with a clear message', () => {
    for (const after of ['not-base64!', 'eyJhIjoxfQ', Buffer.from('[1,2,3]').toString('base64url'), 'x'.repeat(2000)]) {
      expect(codeAndField(() => toPageRequest({ after }, 'EMAIL:ASC'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });

  it('refuses a cursor taken from another sort order', () => {
    const cursor = encodeCursor({ order: 'NAME:ASC', key: 'ann', id: 'x' });
    expect(codeAndField(() => toPageRequest({ after: cursor }, 'EMAIL:ASC')).message).toMatch(/another sort order/);
  });

  it('round-trips a cursor and reads backwards with last/before', () => {
    const cursor = encodeCursor({ order: 'EMAIL:ASC', key: 'b@x.test', id: 'id-1' });
    expect(toPageRequest({ last: 10, before: cursor }, 'EMAIL:ASC')).toEqual({
      size: 10,
      direction: 'backward',
      cursor: { order: 'EMAIL:ASC', key: 'b@x.test', id: 'id-1' },
    });
  });
});
