import { describe, expect, it } from 'vitest';
import { SignInThrottle } from './sign-in-throttle.js';

const X = '203.0.113.7';
const Y = '198.51.100.9';

describe('SignInThrottle', () => {
  it('lets a few failures of an email from one address through, then doubles the wait after each further one', () => {
    let now = 0;
    const throttle = new SignInThrottle(
      { freeFailuresPerEmailAndIp: 3, freeFailuresPerIp: 100, firstDelayMs: 1000, maxDelayMs: 8000 },
      () => now,
    );
    throttle.recordFailure('a@x.test', X);
    throttle.recordFailure('a@x.test', X);
    expect(throttle.retryAfterSeconds('a@x.test', X)).toBe(0);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      throttle.recordFailure('a@x.test', X);
      waits.push(throttle.retryAfterSeconds('a@x.test', X));
      now += waits.at(-1)! * 1000;
      expect(throttle.retryAfterSeconds('a@x.test', X)).toBe(0);
    }
    expect(waits).toEqual([1, 2, 4, 8, 8]);
  });

  it('never slows the same email down from another address', () => {
    const throttle = new SignInThrottle({ freeFailuresPerEmailAndIp: 2 }, () => 0);
    for (let i = 0; i < 10; i++) throttle.recordFailure('owner@x.test', X);
    expect(throttle.retryAfterSeconds('owner@x.test', X)).toBeGreaterThan(0);
    expect(throttle.retryAfterSeconds('owner@x.test', Y)).toBe(0);
  });

  it('slows down an address that sprays many emails, whatever the email', () => {
    const throttle = new SignInThrottle({ freeFailuresPerEmailAndIp: 5, freeFailuresPerIp: 4 }, () => 0);
    for (let i = 0; i < 4; i++) throttle.recordFailure(`user${i}@x.test`, X);
    expect(throttle.retryAfterSeconds('someone-else@x.test', X)).toBe(1);
    expect(throttle.retryAfterSeconds('someone-else@x.test', Y)).toBe(0);
  });

  it('clears an email and address pair on success, but not the address’s count', () => {
    const throttle = new SignInThrottle({ freeFailuresPerEmailAndIp: 2, freeFailuresPerIp: 3 }, () => 0);
    throttle.recordFailure('a@x.test', X);
    throttle.recordSuccess('a@x.test', X);
    throttle.recordFailure('a@x.test', X);
    expect(throttle.retryAfterSeconds('a@x.test', X)).toBe(0);
    throttle.recordFailure('b@x.test', X);
    throttle.recordSuccess('b@x.test', X);
    expect(throttle.retryAfterSeconds('c@x.test', X)).toBe(1);
  });

  it('forgets failures an hour after the last one', () => {
    let now = 0;
    const throttle = new SignInThrottle({ freeFailuresPerEmailAndIp: 1, forgetAfterMs: 60 * 60 * 1000 }, () => now);
    for (let i = 0; i < 3; i++) throttle.recordFailure('a@x.test', X);
    now = 60 * 60 * 1000;
    throttle.recordFailure('a@x.test', X);
    expect(throttle.retryAfterSeconds('a@x.test', X)).toBe(1);
  });
});
