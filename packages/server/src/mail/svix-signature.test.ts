import { afterEach, describe, expect, it, vi } from 'vitest';
import { svixVerify } from './svix-signature.js';

/**
 * Pinned to the example Svix publishes in "Verifying Webhooks Manually" (docs.svix.com), the scheme Resend signs with:
 * the check is held to the provider's own numbers, not to a signer written beside it.
 */
const PUBLISHED = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: '1614265330',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  body: '{"test": 2432232314}',
};

describe('the Resend (Svix) webhook signature check', () => {
  afterEach(() => vi.useRealTimers());
  const at = (seconds: number) => {
    vi.useFakeTimers();
    vi.setSystemTime(seconds * 1000);
  };
  const headers = { id: PUBLISHED.id, timestamp: PUBLISHED.timestamp, signature: PUBLISHED.signature };

  it("accepts the provider's published example when it arrives on time", () => {
    at(Number(PUBLISHED.timestamp) + 10);
    expect(svixVerify(PUBLISHED.secret, headers, PUBLISHED.body)).toBeNull();
  });

  it('accepts it among several signatures, as during a secret rotation', () => {
    at(Number(PUBLISHED.timestamp));
    const rotated = { ...headers, signature: `v1,bm90IHRoZSByaWdodCBvbmU= ${PUBLISHED.signature}` };
    expect(svixVerify(PUBLISHED.secret, rotated, PUBLISHED.body)).toBeNull();
  });

  it('refuses the example with one byte of the body changed, another id, or another secret', () => {
    at(Number(PUBLISHED.timestamp));
    expect(svixVerify(PUBLISHED.secret, headers, PUBLISHED.body.replace('2432232314', '2432232315'))).toMatch(/signature/);
    expect(svixVerify(PUBLISHED.secret, { ...headers, id: 'msg_other' }, PUBLISHED.body)).toMatch(/signature/);
    expect(svixVerify('whsec_' + Buffer.from('another-secret-of-some-length!!').toString('base64'), headers, PUBLISHED.body)).toMatch(
      /signature/,
    );
  });

  it('refuses the example replayed more than five minutes later, or dated in the future', () => {
    at(Number(PUBLISHED.timestamp) + 5 * 60 + 1);
    expect(svixVerify(PUBLISHED.secret, headers, PUBLISHED.body)).toMatch(/timestamp/);
    at(Number(PUBLISHED.timestamp) - 5 * 60 - 1);
    expect(svixVerify(PUBLISHED.secret, headers, PUBLISHED.body)).toMatch(/timestamp/);
  });

  it('refuses a request without the three headers', () => {
    expect(svixVerify(PUBLISHED.secret, { ...headers, signature: undefined }, PUBLISHED.body)).toMatch(/missing/);
  });
});
