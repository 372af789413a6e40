import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real, certified OpenID provider (the `oidc-provider` package) run in the test's process on a free port, with
 * its development login form (any password; the login names the user). Users are plain records; `tamperNextIdToken`
 * re-signs the next ID token with the provider's own key after changing its claims, so tests can hand Roster a
 * token that is genuine in every way but one (another audience, another nonce, already expired).
 */
export interface OidcTestUser {
  /** What is typed in the provider's login form (and the `sub`). */
  login: string;
  email: string;
  emailVerified?: boolean;
  name?: string;
  /** Other claims put in the ID token (Entra ID's `tid`, Google's `hd`). */
  claims?: Record<string, unknown>;
}

export interface OidcTestClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface FakeOidcProviderOptions {
  users: OidcTestUser[];
  clients: OidcTestClient[];
  /** A path for the issuer, e.g. `/<tenant>/v2.0` as Entra ID's issuers have. */
  issuerPath?: string;
}

export class FakeOidcProvider {
  private tamper: { change: (claims: JWTPayload) => JWTPayload; foreignKey: boolean } | null = null;
  /** Requests for the discovery document (`/.well-known/openid-configuration`) so far. */
  discoveryRequests = 0;

  private constructor(
    private readonly server: http.Server,
    readonly issuer: string,
    readonly provider: Provider,
    private readonly users: Map<string, OidcTestUser>,
  ) {}

  static async start(options: FakeOidcProviderOptions): Promise<FakeOidcProvider> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    const users = new Map(options.users.map((u) => [u.login, u]));
    const prefix = (options.issuerPath ?? '').replace(/\/+$/, '');
    let fake: FakeOidcProvider | null = null;
    const server = http.createServer((req, res) => {
      if (prefix) {
        if (!req.url?.startsWith(prefix)) return void res.writeHead(404).end();
        (req as { originalUrl?: string }).originalUrl = req.url;
        req.url = req.url.slice(prefix.length) || '/';
      }
      if (req.url?.startsWith('/.well-known/openid-configuration')) fake!.discoveryRequests++;
      fake!.provider.callback()(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
    const configuration: Configuration = {
      clients: options.clients.map((c) => ({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: c.redirectUris,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      })),
      jwks: { keys: [jwk as never] },
      cookies: { keys: ['fake-oidc-provider-cookie-key'] },
      claims: { openid: ['sub', 'tid', 'hd', 'xms_edov'], email: ['email', 'email_verified'], profile: ['name'] },
      // Scope claims (email) go into the ID token itself, as Entra ID and Google do.
      conformIdTokenClaims: false,
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true, methods: ['S256'] },
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600 },
      findAccount: async (_ctx, sub) => {
        const user = users.get(sub);
        if (!user) return undefined;
        return {
          accountId: sub,
          claims: async () => ({
            sub,
            email: user.email,
            email_verified: user.emailVerified ?? true,
            ...(user.name ? { name: user.name } : {}),
            ...user.claims,
          }),
        };
      },
      // First-party client: no consent screen, the grant is given at once.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
        if (grantId) return ctx.oidc.provider.Grant.find(grantId);
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
        grant.addOIDCScope('openid email profile');
        grant.addOIDCClaims(['email', 'email_verified', 'name', 'tid', 'hd', 'xms_edov']);
        await grant.save();
        return grant;
      },
    };
    const provider = new Provider(issuer, configuration);
    fake = new FakeOidcProvider(server, issuer, provider, users);
    fake.installTampering(privateKey);
    return fake;
  }

  /** Adds or replaces a user. */
  setUser(user: OidcTestUser): void {
    this.users.set(user.login, user);
  }

  /**
   * The next ID token the token endpoint answers gets these claims changed and is signed again with the provider's
   * key (`foreignKey`: with another key under the same key id, as a forger would).
   */
  tamperNextIdToken(change: (claims: JWTPayload) => JWTPayload, options: { foreignKey?: boolean } = {}): void {
    this.tamper = { change, foreignKey: options.foreignKey ?? false };
  }

  private installTampering(key: CryptoKey): void {
    this.provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (!this.tamper || ctx.method !== 'POST' || !ctx.path.endsWith('/token') || !body?.id_token) return;
      const { change, foreignKey } = this.tamper;
      this.tamper = null;
      const claims = change(decodeJwt(body.id_token));
      const signingKey = foreignKey ? (await generateKeyPair('RS256')).privateKey : key;
      ctx.body = { ...body, id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(signingKey) };
    });
  }

  /** Stops answering (the provider is "down"): the port refuses connections. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * A browser for tests: follows redirects across Roster and the provider by hand, keeping each origin's cookies, and
 * fills the provider's login form. Ends at the first page off both servers' redirect chains, or back at Roster.
 */
export class OidcBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  constructor(private readonly rosterUrl: string) {}

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.jars.set(origin, jar);
  }

  /** The Cookie header this browser sends to Roster (for GraphQL calls after signing in). */
  rosterCookieHeader(): string {
    return this.header(new URL(this.rosterUrl).origin);
  }

  private header(origin: string): string {
    return [...(this.jars.get(origin) ?? new Map()).entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** One request with this browser's cookies; remembers what it sets. */
  async request(url: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<Response> {
    const origin = new URL(url).origin;
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { cookie: this.header(origin), ...(init.contentType ? { 'content-type': init.contentType } : {}) },
      body: init.body,
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      const jar = this.jars.get(origin) ?? new Map<string, string>();
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
      this.jars.set(origin, jar);
    }
    return response;
  }

  /** Follows redirects from `url`; stops at a page that is not a redirect, or when Roster redirects to its own page. */
  async follow(
    url: string,
    init: { method?: string; body?: string; contentType?: string } = {},
  ): Promise<{ url: string; response: Response }> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
      current = new URL(location, current).href;
      // Back on one of Roster's dashboard pages (not its /auth/sso routes): that is where the sign-in ended.
      if (current.startsWith(this.rosterUrl) && !new URL(current).pathname.startsWith('/auth/sso/')) return { url: current, response };
      response = await this.request(current);
    }
    throw new Error(`Too many redirects from ${url}`);
  }

  /**
   * Starts SSO at Roster (`startPath`, e.g. `/auth/sso/start?account=acme`), signs in at the provider's own login form
   * as `login`, and answers where Roster sent the browser at the end (e.g. `/` or `/sign-in?sso_error=...`).
   */
  async signInWithSso(startPath: string, login: string): Promise<URL> {
    const atProvider = await this.follow(`${this.rosterUrl}${startPath}`);
    if (atProvider.url.startsWith(this.rosterUrl)) return new URL(atProvider.url);
    const form = await atProvider.response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(form)?.[1];
    if (!action) throw new Error(`No login form at ${atProvider.url} (status ${atProvider.response.status}): ${form.slice(0, 300)}`);
    const ended = await this.follow(new URL(action, atProvider.url).href, {
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({ prompt: 'login', login, password: 'any password' }).toString(),
    });
    return new URL(ended.url);
  }
}
