import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Services } from '../core/context.js';
import { DATABASE_BUSY_RETRY_AFTER_SECONDS, databaseBusy, isDatabaseBusy } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { noteActor, reenterRequestScope, requestScopeOf } from '../core/request-scope.js';
import { withRequestScope } from '../audit/index.js';
import { hashToken } from '../auth/index.js';
import { IntegrationEntity } from '../integrations/integration.entity.js';
import { ExternalResourceType, IntegrationStatus, IntegrationType } from '../integrations/index.js';
import { noteScimRequest, ProvisionAction, recordScimError } from '../integrations/index.js';
import { provisioningCall } from './scim-response.js';
import { listResponse, serviceProviderConfig } from './scim-discovery.js';
import { ScimDirectory, type Page } from './scim-directory.js';
import { ScimError, scimBadRequest, scimConflict, scimNotFound } from './scim-error.js';
import { parseScimFilter, type ScimCriterion } from './scim-filter.js';
import { GroupResources } from './scim-groups.js';
import {
  listRequestFromQuery,
  listRequestFromSearch,
  project,
  projectionOf,
  type ListRequest,
  type Projection,
} from './scim-list-request.js';
import { applyPatch, readPatchRequest, valueOf } from './scim-patch.js';
import { servedResourceTypes, servedSchemas } from './scim-schemas.js';
import { displayNameOf, pickEmail, readActive, readUserResource, storedAttributes, toScimUser } from './scim-user.mapper.js';

export const SCIM_BASE_PATH = '/scim/v2';
const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
/** Far above any real user or group push; a 10 MB body is refused before it is read. */
const MAX_BODY = '1mb';

type Json = Record<string, unknown>;

interface ScimRequest extends express.Request {
  integration?: IntegrationEntity;
}

/** Inbound SCIM 2.0 (RFC 7643/7644) for Okta, Entra ID and other IdPs: one bearer token per SCIM integration. */
export function mountScimRoutes(app: express.Express, services: Services, logger: Logger): void {
  const router = express.Router({ caseSensitive: false });
  const directory = new ScimDirectory(services.dataSource);
  const provisioning = services.provisioning;
  const groups = new GroupResources(services, directory);
  // Only the configured public URL (its default follows the port listened on): a Host header names no location.
  const baseUrl = () => `${services.config.publicUrl}${SCIM_BASE_PATH}`;
  const send = (res: express.Response, status: number, body?: unknown) => {
    if (body === undefined) res.status(status).end();
    else res.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
  };

  router.use(async (req: ScimRequest, res, next) => {
    try {
      req.integration = await authenticate(services, req.header('authorization'));
      noteActor(requestScopeOf(res), 'scim', req.integration.accountId);
      // The integration's page says when its IdP last called (written at most once a minute); never fails the request.
      await noteScimRequest(services.dataSource, req.integration).catch((error) => logger.error('Could not note a SCIM request', error));
      next();
    } catch (error) {
      next(error);
    }
  });
  router.use(express.json({ limit: MAX_BODY, type: ['application/json', 'application/scim+json', 'application/*+json'], strict: false }));
  // After the body parser, as on /graphql: the audit entries a SCIM call writes record the IdP's address.
  router.use(withRequestScope, reenterRequestScope);

  const handle =
    (work: (req: ScimRequest & { integration: IntegrationEntity }, res: express.Response) => Promise<void>): express.RequestHandler =>
    (req, res, next) => {
      work(req as ScimRequest & { integration: IntegrationEntity }, res).catch(next);
    };

  // ---- discovery -------------------------------------------------------------------------------------------
  router.get('/ServiceProviderConfig', (_req, res) => send(res, 200, serviceProviderConfig(baseUrl())));
  // Microsoft's SCIM validator calls this pre-RFC name.
  router.get('/serviceConfiguration', (_req, res) => send(res, 200, serviceProviderConfig(baseUrl())));
  router.get('/ResourceTypes', (_req, res) => {
    const types = servedResourceTypes(baseUrl());
    send(res, 200, listResponse(types, types.length, 1));
  });
  router.get('/ResourceTypes/:name', (req, res) => {
    const type = servedResourceTypes(baseUrl()).find((t) => t.id.toLowerCase() === String(req.params.name).toLowerCase());
    if (!type) throw new ScimError(404, `No resource type ${JSON.stringify(req.params.name)}.`);
    send(res, 200, type);
  });
  router.get('/Schemas', (_req, res) => {
    const all = servedSchemas(baseUrl());
    send(res, 200, listResponse(all, all.length, 1));
  });
  router.get('/Schemas/:id', (req, res) => {
    const schema = servedSchemas(baseUrl()).find((s) => s.id.toLowerCase() === String(req.params.id).toLowerCase());
    if (!schema) throw new ScimError(404, `No schema ${JSON.stringify(req.params.id)}.`);
    send(res, 200, schema);
  });

  // ---- lists and searches ----------------------------------------------------------------------------------
  // GET with query parameters and POST .search with a SearchRequest body (RFC 7644 §3.4.3) read into one
  // ListRequest and answer through the same functions: same filters, paging and attribute projection.
  type Lister = (
    integration: IntegrationEntity,
    criteria: ScimCriterion[],
    page: Page,
    projection: Projection,
  ) => Promise<{ total: number; resources: Json[] }>;
  const lists: Record<'User' | 'Group', Lister> = {
    User: async (integration, criteria, page, projection) => {
      const { total, rows } = await directory.listUsers(integration, criteria, page, baseUrl());
      return { total, resources: rows.map((row) => project(toScimUser(row, baseUrl()), projection)) };
    },
    Group: (integration, criteria, page, projection) => groups.list(integration, criteria, page, projection, baseUrl()),
  };
  const answerList = async (res: express.Response, integration: IntegrationEntity, resource: 'User' | 'Group', request: ListRequest) => {
    const { total, resources } = await lists[resource](integration, criteriaOf(resource, request.filter), request.page, request.projection);
    send(res, 200, listResponse(resources, total, request.page.startIndex));
  };

  router.get(
    '/Users',
    handle((req, res) => answerList(res, req.integration, 'User', listRequestFromQuery(req.query))),
  );
  router.post(
    '/Users/.search',
    handle((req, res) => answerList(res, req.integration, 'User', listRequestFromSearch(req.body))),
  );
  router.get(
    '/Groups',
    handle((req, res) => answerList(res, req.integration, 'Group', listRequestFromQuery(req.query))),
  );
  router.post(
    '/Groups/.search',
    handle((req, res) => answerList(res, req.integration, 'Group', listRequestFromSearch(req.body))),
  );

  // A search at the root covers both resource types, users first. A filter on an attribute only one type has
  // matches nothing of the other; one neither type can filter on is a 400.
  router.post(
    '/.search',
    handle(async (req, res) => {
      const request = listRequestFromSearch(req.body);
      const userCriteria = attempt(() => criteriaOf('User', request.filter));
      const groupCriteria = attempt(() => criteriaOf('Group', request.filter));
      if (userCriteria instanceof Error && groupCriteria instanceof Error) throw userCriteria;
      const { startIndex, count } = request.page;
      const users =
        userCriteria instanceof Error
          ? { total: 0, resources: [] }
          : await lists.User(req.integration, userCriteria, { startIndex, count }, request.projection);
      const groupPage = { startIndex: Math.max(1, startIndex - users.total), count: count - users.resources.length };
      const found =
        groupCriteria instanceof Error
          ? { total: 0, resources: [] }
          : await lists.Group(req.integration, groupCriteria, groupPage, request.projection);
      send(res, 200, listResponse([...users.resources, ...found.resources], users.total + found.total, startIndex));
    }),
  );

  // ---- users -----------------------------------------------------------------------------------------------
  const findUser = async (integration: IntegrationEntity, id: string) => {
    const linked = await provisioning.findLinkedUser(integration, { userId: id });
    if (!linked) throw scimNotFound('User', id);
    return linked;
  };
  const userNameTaken = async (integration: IntegrationEntity, userName: string, exceptId: string | null) => {
    const { rows } = await directory.listUsers(
      integration,
      [{ attribute: 'username', value: userName }],
      { startIndex: 1, count: 2 },
      baseUrl(),
    );
    return rows.some((row) => row.membership.id !== exceptId);
  };
  const userResponse = async (integration: IntegrationEntity, id: string, projection: Projection) =>
    project(toScimUser(await findUser(integration, id), baseUrl()), projection);

  router.get(
    '/Users/:id',
    handle(async (req, res) => send(res, 200, await userResponse(req.integration, String(req.params.id), projectionOf(req.query)))),
  );

  router.post(
    '/Users',
    handle(async (req, res) => {
      const input = readUserResource(req.body);
      if (await userNameTaken(req.integration, input.userName, null))
        throw scimConflict(`A user with userName ${JSON.stringify(input.userName)} already exists.`);
      const externalId = await directory.indexableExternalId(req.integration, ExternalResourceType.USER, input.upstream.externalId, null);
      const result = await provisioningCall(() =>
        provisioning.upsertUser(req.integration, { ...input.upstream, externalId }, { mustBeNew: true }),
      );
      if (result.action === ProvisionAction.CONFLICT)
        throw scimConflict(`Another user provisioned by this integration already has the email ${input.upstream.email}.`);
      res.setHeader('Location', `${baseUrl()}/Users/${result.userId!}`);
      send(res, 201, await userResponse(req.integration, result.userId!, projectionOf(req.query)));
    }),
  );

  router.put(
    '/Users/:id',
    handle(async (req, res) => {
      const id = String(req.params.id);
      const current = await findUser(req.integration, id);
      const input = readUserResource(req.body);
      if (await userNameTaken(req.integration, input.userName, id))
        throw scimConflict(`Another user has the userName ${JSON.stringify(input.userName)}.`);
      const externalId = await directory.indexableExternalId(req.integration, ExternalResourceType.USER, input.upstream.externalId, id);
      await provisioningCall(() =>
        provisioning.updateUser(req.integration, current.membership.id, {
          email: input.upstream.email,
          name: input.upstream.name,
          externalId,
          attributes: input.upstream.attributes,
          ...(input.activeGiven ? { active: input.upstream.active } : {}),
        }),
      );
      send(res, 200, await userResponse(req.integration, id, projectionOf(req.query)));
    }),
  );

  router.patch(
    '/Users/:id',
    handle(async (req, res) => {
      const id = String(req.params.id);
      const operations = readPatchRequest(req.body);
      const current = await findUser(req.integration, id);
      const before = toScimUser(current, baseUrl());
      const after = applyPatch(before, operations);
      checkUserKeepsWhatRosterNeeds(after);
      const userName = String(valueOf(after, 'userName')).trim();
      if (userName.toLowerCase() !== String(before.userName).toLowerCase() && (await userNameTaken(req.integration, userName, id))) {
        throw scimConflict(`Another user has the userName ${JSON.stringify(userName)}.`);
      }
      const attributes = storedAttributes(after);
      const requestedExternalId = valueOf(after, 'externalId');
      const externalId = await directory.indexableExternalId(
        req.integration,
        ExternalResourceType.USER,
        typeof requestedExternalId === 'string' && requestedExternalId ? requestedExternalId : null,
        id,
      );
      await provisioningCall(() =>
        provisioning.updateUser(req.integration, id, {
          email: pickEmail(attributes),
          name: displayNameOf(attributes),
          externalId,
          attributes,
          active: readActive(valueOf(after, 'active')),
        }),
      );
      // Okta documents 200 with the updated user for a user PATCH (RFC 7644 allows 200 or 204).
      send(res, 200, await userResponse(req.integration, id, projectionOf(req.query)));
    }),
  );

  router.delete(
    '/Users/:id',
    handle(async (req, res) => {
      const linked = await findUser(req.integration, String(req.params.id));
      await provisioningCall(() => provisioning.unlinkUser(req.integration, linked.membership.id));
      send(res, 204);
    }),
  );

  // ---- groups ----------------------------------------------------------------------------------------------
  router.get(
    '/Groups/:id',
    handle(async (req, res) =>
      send(res, 200, await groups.get(req.integration, String(req.params.id), projectionOf(req.query), baseUrl())),
    ),
  );
  router.post(
    '/Groups',
    handle(async (req, res) => {
      const group = await groups.create(req.integration, req.body, projectionOf(req.query), baseUrl());
      res.setHeader('Location', `${baseUrl()}/Groups/${String(group.id)}`);
      send(res, 201, group);
    }),
  );
  router.put(
    '/Groups/:id',
    handle(async (req, res) =>
      send(res, 200, await groups.replace(req.integration, String(req.params.id), req.body, projectionOf(req.query), baseUrl())),
    ),
  );
  router.patch(
    '/Groups/:id',
    handle(async (req, res) => {
      await groups.patch(req.integration, String(req.params.id), readPatchRequest(req.body));
      // Okta and Entra ID both accept 204 for a group PATCH; it spares reading back a large member list.
      send(res, 204);
    }),
  );
  router.delete(
    '/Groups/:id',
    handle(async (req, res) => {
      await groups.remove(req.integration, String(req.params.id));
      send(res, 204);
    }),
  );

  router.use((req, _res, next) => next(new ScimError(404, `No SCIM endpoint ${req.method} ${req.path}.`)));

  // Every failure answers in the SCIM error schema, including body-parser's (too large, not JSON).
  router.use(async (error: unknown, req: ScimRequest, res: express.Response, _next: express.NextFunction) => {
    const parserError = error as { type?: string; status?: number };
    let scim: ScimError;
    if (error instanceof ScimError) scim = error;
    else if (parserError.type === 'entity.too.large') scim = new ScimError(413, `The body is larger than ${MAX_BODY}.`, 'tooMany');
    else if (parserError.type === 'entity.parse.failed') scim = scimBadRequest('invalidSyntax', 'The body is not valid JSON.');
    else if (parserError.type === 'charset.unsupported' || parserError.type === 'encoding.unsupported')
      scim = scimBadRequest('invalidSyntax', 'The body must be UTF-8 JSON.');
    else if (isDatabaseBusy(error)) {
      // Okta and Entra retry a 503 (honouring Retry-After); a 500 would count as a failed push. Not recorded in the
      // integration's activity: that write would wait on the same busy database.
      res.setHeader('Retry-After', String(DATABASE_BUSY_RETRY_AFTER_SECONDS));
      send(res, 503, new ScimError(503, databaseBusy().message).toJSON());
      return;
    } else {
      logger.error('Unexpected error while answering a SCIM request', error);
      scim = new ScimError(500, 'Something went wrong on our side; the request can be retried.');
    }
    if (scim.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="Roster SCIM"');
    // Kept for the integration's activity list: method, path and Roster's answer, never the body or the token.
    if (req.integration)
      await recordScimError(services.dataSource, req.integration, {
        method: req.method,
        path: req.path,
        status: scim.status,
        scimType: scim.scimType ?? null,
        detail: scim.detail,
      }).catch((failure) => logger.error('Could not record a SCIM error', failure));
    send(res, scim.status, scim.toJSON());
  });

  app.use(SCIM_BASE_PATH, router);
}

/** The SCIM integration whose token this is; a wrong, rotated or disabled one is a 401. */
async function authenticate(services: Services, header: string | undefined): Promise<IntegrationEntity> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw new ScimError(401, 'Send the SCIM token of a Roster SCIM integration as "Authorization: Bearer <token>".');
  const hash = hashToken(match[1]!);
  const integration = await services.dataSource.getRepository(IntegrationEntity).findOneBy({ scimTokenHash: hash });
  const stored = Buffer.from(integration?.scimTokenHash ?? '0'.repeat(64), 'utf8');
  const given = Buffer.from(hash, 'utf8');
  const same = stored.length === given.length && timingSafeEqual(stored, given);
  if (!integration || !same || integration.type !== IntegrationType.SCIM)
    throw new ScimError(401, 'The SCIM token is not valid: it may have been rotated. Copy the current one from Roster.');
  if (integration.status === IntegrationStatus.DISABLED) throw new ScimError(401, 'This SCIM integration is disabled in Roster.');
  return integration;
}

function criteriaOf(resource: 'User' | 'Group', filter: string | null): ScimCriterion[] {
  return filter === null ? [] : parseScimFilter(resource, filter);
}

function attempt<T>(work: () => T): T | Error {
  try {
    return work();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
}

/**
 * What a PATCH may not take away (RFC 7644 §3.5.2.2: 400 mutability where the service provider cannot remove
 * an attribute): a user's userName, its email address (a Roster user is the address it invites) and its
 * state (active or suspended, never neither).
 */
function checkUserKeepsWhatRosterNeeds(after: Json): void {
  const userName = valueOf(after, 'userName');
  if (userName === undefined || userName === null) throw scimBadRequest('mutability', 'A User keeps its "userName"; replace it instead.');
  if (typeof userName !== 'string' || !userName.trim()) throw scimBadRequest('invalidValue', 'A User keeps a non-empty "userName".');
  const emails = valueOf(after, 'emails');
  if (!Array.isArray(emails) || !emails.some((e) => e && typeof e === 'object' && valueOf(e as Json, 'value'))) {
    throw scimBadRequest('mutability', 'A Roster user keeps an email address: replace "emails" instead of removing them.');
  }
  const active = valueOf(after, 'active');
  if (active === undefined || active === null)
    throw scimBadRequest('mutability', 'A Roster user is active or suspended: replace "active" with false to suspend them.');
}
