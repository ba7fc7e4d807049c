import Bowser from 'bowser';

/** What a sessions list shows of a user agent. */
export interface UserAgentSummary {
  /** e.g. `Chrome 156`; null when the agent names no known browser. */
  browser: string | null;
  /** e.g. `iOS 17.0`, `Linux`. */
  os: string | null;
  /** `desktop`, `mobile`, `tablet` or `tv`. */
  device: string | null;
}

const UNKNOWN: UserAgentSummary = { browser: null, os: null, device: null };

function named(name: string | undefined, version: string | undefined): string | null {
  if (!name) return null;
  const major = version?.split('.')[0];
  return major ? `${name} ${major}` : name;
}

/** Parses a `User-Agent` with bowser (whose rules are maintained upstream). */
export function summarizeUserAgent(userAgent: string | null): UserAgentSummary {
  if (!userAgent) return UNKNOWN;
  const parsed = Bowser.parse(userAgent);
  return {
    browser: named(parsed.browser.name, parsed.browser.version),
    os: parsed.os.name ? [parsed.os.name, parsed.os.version].filter(Boolean).join(' ') : null,
    device: parsed.platform.type ?? null,
  };
}
