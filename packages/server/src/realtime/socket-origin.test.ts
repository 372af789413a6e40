import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { socketOriginAllowed } from './socket-origin.js';

const upgrade = (headers: Record<string, string>) => ({ headers }) as unknown as http.IncomingMessage;
const cookie = 'roster_session=abc';
const PUBLIC_URL = 'https://roster.example.com';

describe('socketOriginAllowed', () => {
  it("lets a cookie through only from PUBLIC_URL's origin in production", () => {
    expect(socketOriginAllowed(upgrade({ cookie, origin: 'https://roster.example.com' }), PUBLIC_URL, true)).toBe(true);
    for (const origin of [
      'https://evil.example',
      'https://app.example.com',
      'http://roster.example.com',
      'https://roster.example.com:8443',
      'null',
      'http://localhost:5173',
    ]) {
      expect(socketOriginAllowed(upgrade({ cookie, origin }), PUBLIC_URL, true)).toBe(false);
    }
  });

  it('lets sockets without the session cookie, or without Origin (not a browser), through from anywhere', () => {
    expect(socketOriginAllowed(upgrade({ origin: 'https://evil.example', authorization: 'Bearer rst_x_y' }), PUBLIC_URL, true)).toBe(true);
    expect(socketOriginAllowed(upgrade({ cookie: 'other=1', origin: 'https://evil.example' }), PUBLIC_URL, true)).toBe(true);
    expect(socketOriginAllowed(upgrade({ cookie }), PUBLIC_URL, true)).toBe(true);
  });

  it("trusts the Vite dev server's loopback origin outside production only", () => {
    expect(socketOriginAllowed(upgrade({ cookie, origin: 'http://localhost:5173' }), 'http://localhost:4000', false)).toBe(true);
    expect(socketOriginAllowed(upgrade({ cookie, origin: 'http://127.0.0.1:5173' }), 'http://localhost:4000', false)).toBe(true);
    expect(socketOriginAllowed(upgrade({ cookie, origin: 'http://localhost.evil.example:5173' }), 'http://localhost:4000', false)).toBe(
      false,
    );
    expect(socketOriginAllowed(upgrade({ cookie, origin: 'https://evil.example' }), 'http://localhost:4000', false)).toBe(false);
  });
});
