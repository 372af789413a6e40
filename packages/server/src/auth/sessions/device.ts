import Bowser from 'bowser';

/**
 * Names a session's device from its User-Agent for people to recognise, e.g. "Chrome on Windows", "Safari on iPhone".
 * Bowser (a maintained detector) reads the header; only the browser and the system are kept, never versions, since
 * they change with every update and would make one laptop look like several. Null without a header, and the
 * header's first 60 characters when neither is recognised (an API tool such as curl says who it is itself).
 */
export function describeDevice(userAgent: string | null | undefined): string | null {
  const header = userAgent?.trim();
  if (!header) return null;
  const parsed = Bowser.parse(header);
  const browser = parsed.browser.name || null;
  const system = parsed.platform.model === 'iPhone' || parsed.platform.model === 'iPad' ? parsed.platform.model : parsed.os.name || null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? header.slice(0, 60);
}
