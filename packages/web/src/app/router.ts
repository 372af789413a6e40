import { createRouter, createWebHistory, type Router, type RouterHistory } from 'vue-router';
import { errorCode, isUnauthenticated, unauthenticatedReason } from '../client/errors';
import type { Session } from '../client/session';
import { HOME_PATH, safeRedirect, signInLocation } from '../client/sign-in-redirect';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    title?: string;
  }
}

export function createAppRouter(session: Session, history: RouterHistory = createWebHistory()): Router {
  const router = createRouter({
    history,
    routes: [
      {
        path: '/sign-in',
        name: 'sign-in',
        component: () => import('../features/auth/SignInPage.vue'),
        meta: { public: true, title: 'Sign in' },
      },
      {
        // Half signed in (the password was right): the session answers only the MFA operations, so `me` fails here.
        path: '/sign-in/verify',
        name: 'second-factor',
        component: () => import('../features/auth/SecondFactorPage.vue'),
        meta: { public: true, title: 'Confirm it is you' },
      },
      {
        // The person's own MFA; also where a required enrolment happens, before `me` answers.
        path: '/security/mfa',
        name: 'mfa',
        component: () => import('../features/auth/MfaSetupPage.vue'),
        meta: { public: true, title: 'Multi-factor authentication' },
      },
      {
        // Public: the token is the credential. Opening it only shows the invitation; accepting is a POST.
        path: '/invitations/:token',
        name: 'accept-invitation',
        component: () => import('../features/invitations/AcceptInvitationPage.vue'),
        meta: { public: true, title: 'Invitation' },
      },
      {
        // Where a member lands after accepting (signed in by then, but not an administrator).
        path: '/welcome',
        name: 'welcome',
        component: () => import('../features/invitations/WelcomePage.vue'),
        meta: { title: 'Welcome' },
      },
      {
        path: '/',
        component: () => import('./AppLayout.vue'),
        children: [
          { path: '', redirect: HOME_PATH },
          {
            path: 'users',
            name: 'users',
            component: () => import('../features/users/UsersPage.vue'),
            meta: { title: 'Users' },
          },
          {
            // Choose a CSV file; past imports. Once uploaded, the job id is in the address.
            path: 'users/import',
            name: 'users-import',
            component: () => import('../features/imports/ImportUsersPage.vue'),
            meta: { title: 'Import users' },
          },
          {
            path: 'users/import/:jobId',
            name: 'users-import-job',
            component: () => import('../features/imports/ImportUsersPage.vue'),
            meta: { title: 'Import users' },
          },
          {
            path: 'companies',
            name: 'companies',
            component: () => import('../features/companies/CompaniesPage.vue'),
            meta: { title: 'Companies' },
          },
          {
            // One company's vault: its credentials (revealed one at a time) and who may reveal them.
            path: 'companies/:id/vault',
            name: 'company-vault',
            component: () => import('../features/companies/CompanyVaultPage.vue'),
            meta: { title: 'Vault' },
          },
          {
            path: 'groups',
            name: 'groups',
            component: () => import('../features/groups/GroupsPage.vue'),
            meta: { title: 'Groups' },
          },
          {
            path: 'integrations',
            name: 'integrations',
            component: () => import('../features/integrations/IntegrationsPage.vue'),
            meta: { title: 'Integrations' },
          },
          {
            path: 'integrations/:id',
            name: 'integration',
            component: () => import('../features/integrations/IntegrationDetailPage.vue'),
            meta: { title: 'Integration' },
          },
          {
            path: 'settings',
            component: () => import('../features/settings/SettingsPage.vue'),
            children: [
              {
                path: '',
                name: 'settings',
                component: () => import('../features/settings/AccountSettings.vue'),
                meta: { title: 'Settings' },
              },
              {
                path: 'api-keys',
                name: 'settings-api-keys',
                component: () => import('../features/settings/ApiKeysPage.vue'),
                meta: { title: 'API keys' },
              },
              {
                path: 'webhooks',
                name: 'settings-webhooks',
                component: () => import('../features/settings/WebhooksPage.vue'),
                meta: { title: 'Webhooks' },
              },
              {
                // One endpoint's deliveries.
                path: 'webhooks/:endpointId',
                name: 'settings-webhook',
                component: () => import('../features/settings/WebhookDeliveriesPage.vue'),
                meta: { title: 'Webhook deliveries' },
              },
            ],
          },
          {
            path: 'audit',
            name: 'audit',
            component: () => import('../features/audit/AuditLogPage.vue'),
            meta: { title: 'Audit log' },
          },
          {
            path: 'dev/mailbox',
            name: 'dev-mailbox',
            component: () => import('../features/mailbox/DevMailboxPage.vue'),
            meta: { title: 'Dev mailbox' },
          },
          {
            path: ':pathMatch(.*)*',
            name: 'not-found',
            component: () => import('./NotFoundPage.vue'),
            meta: { title: 'Page not found' },
          },
        ],
      },
    ],
  });

  router.beforeEach(async (to) => {
    if (to.name === 'sign-in') {
      // Already signed in? Straight to where they were going.
      try {
        await session.load();
        return safeRedirect(to.query.redirect);
      } catch {
        return true;
      }
    }
    if (to.meta.public) return true;
    try {
      await session.load();
      return true;
    } catch (error) {
      // A half-signed-in session: on to the second factor, or to the enrolment the account requires.
      const mfa = mfaStepOf(error);
      if (mfa) return { name: mfa, query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
      if (isUnauthenticated(error)) return signInLocation(to.fullPath, unauthenticatedReason(error));
      // The server is unreachable or failing: let the page show its own error state and retry.
      return true;
    }
  });

  router.afterEach((to) => {
    if (typeof document !== 'undefined') {
      document.title = to.meta.title ? `${to.meta.title} · Roster` : 'Roster';
    }
  });

  return router;
}

/** The page a half-signed-in session belongs on, from the API's MFA_REQUIRED / MFA_ENROLMENT_REQUIRED. */
function mfaStepOf(error: unknown): 'second-factor' | 'mfa' | null {
  const code = errorCode(error);
  if (code === 'MFA_REQUIRED') return 'second-factor';
  if (code === 'MFA_ENROLMENT_REQUIRED') return 'mfa';
  return null;
}
