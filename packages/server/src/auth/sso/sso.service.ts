import type { DataSource } from 'typeorm';
import type { OutboundHttp } from '../../core/http/outbound-http.js';
import type { Viewer } from '../../core/viewer.js';
import type { SecretBox } from '../../integrations/index.js';
import type { InvitationService } from '../../invitations/index.js';
import type { SessionService } from '../session.service.js';
import { discover } from './oidc-client.js';
import { removeConnection, saveConnection, secretBinding, type SsoConnectionInput, type SsoIssuerBases } from './sso-connection.js';
import { completeFlow, startFlow, type CompletedFlow, type StartedFlow, type StartRequest, type SsoFlowDeps } from './sso-flow.js';
import { switchRefusal } from './sso-only.js';
import { SsoConnectionEntity } from './sso.entity.js';

export interface SsoServiceOptions {
  dataSource: DataSource;
  secretBox: SecretBox;
  http: OutboundHttp;
  sessions: SessionService;
  invitations: InvitationService;
  publicUrl: () => string;
  issuerBases: SsoIssuerBases;
  now?: () => Date;
}

/** Single sign-on with OpenID Connect: an account's connection, the sign-in flow and the rules SSO adds to sessions. */
export class SsoService {
  private readonly flowDeps: SsoFlowDeps;

  constructor(private readonly options: SsoServiceOptions) {
    this.flowDeps = { ...options, now: options.now ?? (() => new Date()) };
  }

  connection(accountId: string): Promise<SsoConnectionEntity | null> {
    return this.options.dataSource.getRepository(SsoConnectionEntity).findOneBy({ accountId });
  }

  save(viewer: Viewer, input: SsoConnectionInput): Promise<SsoConnectionEntity> {
    const { dataSource, secretBox, issuerBases } = this.options;
    return saveConnection(dataSource, secretBox, issuerBases, viewer, input, this.flowDeps.now());
  }

  remove(viewer: Viewer): Promise<boolean> {
    return removeConnection(this.options.dataSource, viewer);
  }

  /** Reads the saved connection's discovery document: null when it works, else what went wrong. */
  async test(accountId: string): Promise<{ issuer: string | null; problem: string | null }> {
    const connection = await this.connection(accountId);
    if (!connection) return { issuer: null, problem: 'There is no SSO connection to test.' };
    try {
      const config = await discover({
        issuer: connection.issuer,
        clientId: connection.clientId,
        clientSecret: this.options.secretBox.open(connection.sealedClientSecret, secretBinding(accountId)),
        http: this.options.http,
      });
      return { issuer: config.serverMetadata().issuer, problem: null };
    } catch (error) {
      return { issuer: null, problem: `Discovery failed: ${(error instanceof Error ? error.message : String(error)).slice(0, 300)}` };
    }
  }

  start(request: StartRequest): Promise<StartedFlow> {
    return startFlow(this.flowDeps, request);
  }

  complete(currentUrl: URL, stateCookie: string | undefined): Promise<CompletedFlow> {
    return completeFlow(this.flowDeps, currentUrl, stateCookie);
  }

  /** Whether an invitation's account offers SSO (the accept page then offers "Continue with SSO"). */
  async availableForInvitation(token: string): Promise<boolean> {
    const invitation = await this.options.invitations.acceptable(token);
    return !!invitation && !!(await this.connection(invitation.accountId));
  }

  /** Why this session may not switch to that account (SSO confinement, SSO only), or null. */
  switchRefusal(sessionId: string, personId: string, accountId: string): Promise<string | null> {
    return switchRefusal(this.options.dataSource, sessionId, personId, accountId);
  }
}
