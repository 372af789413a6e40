import { describe, expect, it } from 'vitest';
import { SignInThrottle } from './sign-in-throttle.js';

describe('SignInThrottle', () => {
  it('blocks an email after too many failures, until the window passes', () => {
    let now = 0;
    const throttle = new SignInThrottle(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) throttle.recordFailure('a@x.test');
    expect(throttle.retryAfterSeconds('a@x.test')).toBe(60);
    expect(throttle.retryAfterSeconds('b@x.test')).toBe(0);
    now = 60_000;
    expect(throttle.retryAfterSeconds('a@x.test')).toBe(0);
  });

  it('forgets failures after a successful sign-in', () => {
    const throttle = new SignInThrottle(2, 60_000, () => 0);
    throttle.recordFailure('a@x.test');
    throttle.recordSuccess('a@x.test');
    throttle.recordFailure('a@x.test');
    expect(throttle.retryAfterSeconds('a@x.test')).toBe(0);
  });
});
