import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Services } from '../app/context.js';
import type { Logger } from '../app/logger.js';
import { withRequestScope } from '../audit/request-scope.js';
import { hashToken } from '../auth/tokens.js';
import { IntegrationEntity } from '../integrations/integration.entity.js';
import { ExternalResourceType, IntegrationStatus, IntegrationType } from '../integrations/integration-kinds.js';
import { ProvisionAction } from '../integrations/provisioning.service.js';
import { project, provisioningCall } from './scim-response.js';
import { listResponse, MAX_PAGE_SIZE, resourceTypes, schemas, serviceProviderConfig } from './scim-discovery.js';
import { ScimDirectory, type Page } from './scim-directory.js';
import { ScimError, scimBadRequest, scimConflict, scimNotFound } from './scim-error.js';
import { parseScimFilter, type ScimCriterion } from './scim-filter.js';
import { GroupResources } from './scim-groups.js';
import { applyPatch, keyOf, readPatchRequest, valueOf } from './scim-patch.js';
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
  const baseUrlOf = (req: express.Request) =>
    `${services.config.publicUrlFromPort ? `${req.protocol}://${req.get('host')}` : services.config.publicUrl.replace(/\/$/, '')}${SCIM_BASE_PATH}`;
  const send = (res: express.Response, status: number, body?: unknown) => {
    if (body === undefined) res.status(status).end();
    else res.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
  };

  router.use(async (req: ScimRequest, res, next) => {
    try {
      req.integration = await authenticate(services, req.header('authorization'));
      next();
    } catch (error) {
      next(error);
    }
  });
  router.use(express.json({ limit: MAX_BODY, type: ['application/json', 'application/scim+json', 'application/*+json'], strict: false }));
  // After the body parser, as on /graphql: the audit entries a SCIM call writes record the IdP's address.
  router.use(withRequestScope);

  const handle =
    (work: (req: ScimRequest & { integration: IntegrationEntity }, res: express.Response) => Promise<void>): express.RequestHandler =>
    (req, res, next) => {
      work(req as ScimRequest & { integration: IntegrationEntity }, res).catch(next);
    };

  // ---- discovery -------------------------------------------------------------------------------------------
  router.get('/ServiceProviderConfig', (req, res) => send(res, 200, serviceProviderConfig(baseUrlOf(req))));
  // Microsoft's SCIM validator calls this pre-RFC name.
  router.get('/serviceConfiguration', (req, res) => send(res, 200, serviceProviderConfig(baseUrlOf(req))));
  router.get('/ResourceTypes', (req, res) => {
    const types = resourceTypes(baseUrlOf(req));
    send(res, 200, listResponse(types, types.length, 1));
  });
  router.get('/ResourceTypes/:name', (req, res) => {
    const type = resourceTypes(baseUrlOf(req)).find((t) => t.id.toLowerCase() === String(req.params.name).toLowerCase());
    if (!type) throw new ScimError(404, `No resource type ${JSON.stringify(req.params.name)}.`);
    send(res, 200, type);
  });
  router.get('/Schemas', (req, res) => {
    const all = schemas(baseUrlOf(req));
    send(res, 200, listResponse(all, all.length, 1));
  });
  router.get('/Schemas/:id', (req, res) => {
    const schema = schemas(baseUrlOf(req)).find((s) => s.id.toLowerCase() === String(req.params.id).toLowerCase());
    if (!schema) throw new ScimError(404, `No schema ${JSON.stringify(req.params.id)}.`);
    send(res, 200, schema);
  });

  // ---- users -----------------------------------------------------------------------------------------------
  const findUser = async (integration: IntegrationEntity, id: string) => {
    const linked = await provisioning.findLinkedUser(integration, { userId: id });
    if (!linked) throw scimNotFound('User', id);
    return linked;
  };
  const userNameTaken = async (integration: IntegrationEntity, userName: string, exceptId: string | null, baseUrl: string) => {
    const { rows } = await directory.listUsers(integration, [{ attribute: 'username', value: userName }], { startIndex: 1, count: 2 }, baseUrl);
    return rows.some((row) => row.membership.id !== exceptId);
  };

  router.get(
    '/Users',
    handle(async (req, res) => {
      const baseUrl = baseUrlOf(req);
      const criteria = filterOf('User', req.query);
      const page = pageOf(req.query);
      const { total, rows } = await directory.listUsers(req.integration, criteria, page, baseUrl);
      send(res, 200, listResponse(rows.map((row) => project(toScimUser(row, baseUrl), req.query)), total, page.startIndex));
    }),
  );

  router.get(
    '/Users/:id',
    handle(async (req, res) => {
      const linked = await findUser(req.integration, String(req.params.id));
      send(res, 200, project(toScimUser(linked, baseUrlOf(req)), req.query));
    }),
  );

  router.post(
    '/Users',
    handle(async (req, res) => {
      const input = readUserResource(req.body);
      const baseUrl = baseUrlOf(req);
      if (await userNameTaken(req.integration, input.userName, null, baseUrl)) throw scimConflict(`A user with userName ${JSON.stringify(input.userName)} already exists.`);
      const externalId = await directory.indexableExternalId(req.integration, ExternalResourceType.USER, input.upstream.externalId, null);
      const result = await provisioningCall(() => provisioning.upsertUser(req.integration, { ...input.upstream, externalId }, { mustBeNew: true }));
      if (result.action === ProvisionAction.CONFLICT) throw scimConflict(`Another user provisioned by this integration already has the email ${input.upstream.email}.`);
      const linked = await findUser(req.integration, result.userId!);
      res.setHeader('Location', `${baseUrl}/Users/${linked.membership.id}`);
      send(res, 201, toScimUser(linked, baseUrl));
    }),
  );

  router.put(
    '/Users/:id',
    handle(async (req, res) => {
      const id = String(req.params.id);
      const current = await findUser(req.integration, id);
      const input = readUserResource(req.body);
      const baseUrl = baseUrlOf(req);
      if (await userNameTaken(req.integration, input.userName, id, baseUrl)) throw scimConflict(`Another user has the userName ${JSON.stringify(input.userName)}.`);
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
      send(res, 200, toScimUser(await findUser(req.integration, id), baseUrl));
    }),
  );

  router.patch(
    '/Users/:id',
    handle(async (req, res) => {
      const id = String(req.params.id);
      const operations = readPatchRequest(req.body);
      const current = await findUser(req.integration, id);
      const baseUrl = baseUrlOf(req);
      const before = toScimUser(current, baseUrl);
      const after = applyPatch(before, operations);
      const userName = valueOf(after, 'userName');
      if (typeof userName !== 'string' || !userName.trim()) throw scimBadRequest('invalidValue', 'A User keeps a non-empty "userName".');
      if (userName.trim().toLowerCase() !== String(before.userName).toLowerCase() && (await userNameTaken(req.integration, userName.trim(), id, baseUrl))) {
        throw scimConflict(`Another user has the userName ${JSON.stringify(userName)}.`);
      }
      const attributes = storedAttributes(after);
      const requestedExternalId = valueOf(after, 'externalId');
      const externalId = await directory.indexableExternalId(req.integration, ExternalResourceType.USER, typeof requestedExternalId === 'string' && requestedExternalId ? requestedExternalId : null, id);
      const activeKey = keyOf(after, 'active');
      await provisioningCall(() =>
        provisioning.updateUser(req.integration, id, {
          email: pickEmail(attributes),
          name: displayNameOf(attributes),
          externalId,
          attributes,
          ...(activeKey ? { active: readActive(after[activeKey]) } : {}),
        }),
      );
      // Okta documents 200 with the updated user for a user PATCH (RFC 7644 allows 200 or 204).
      send(res, 200, project(toScimUser(await findUser(req.integration, id), baseUrl), req.query));
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
    '/Groups',
    handle(async (req, res) => {
      const criteria = filterOf('Group', req.query);
      const page = pageOf(req.query);
      const body = await groups.list(req.integration, criteria, page, req.query, baseUrlOf(req));
      send(res, 200, body);
    }),
  );
  router.get(
    '/Groups/:id',
    handle(async (req, res) => send(res, 200, await groups.get(req.integration, String(req.params.id), req.query, baseUrlOf(req)))),
  );
  router.post(
    '/Groups',
    handle(async (req, res) => {
      const group = await groups.create(req.integration, req.body, baseUrlOf(req));
      res.setHeader('Location', String((group.meta as Json).location));
      send(res, 201, group);
    }),
  );
  router.put(
    '/Groups/:id',
    handle(async (req, res) => send(res, 200, await groups.replace(req.integration, String(req.params.id), req.body, baseUrlOf(req)))),
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
  router.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const parserError = error as { type?: string; status?: number };
    let scim: ScimError;
    if (error instanceof ScimError) scim = error;
    else if (parserError.type === 'entity.too.large') scim = new ScimError(413, `The body is larger than ${MAX_BODY}.`, 'tooMany');
    else if (parserError.type === 'entity.parse.failed') scim = scimBadRequest('invalidSyntax', 'The body is not valid JSON.');
    else if (parserError.type === 'charset.unsupported' || parserError.type === 'encoding.unsupported') scim = scimBadRequest('invalidSyntax', 'The body must be UTF-8 JSON.');
    else {
      logger.error('Unexpected error while answering a SCIM request', error);
      scim = new ScimError(500, 'Something went wrong on our side; the request can be retried.');
    }
    if (scim.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="Roster SCIM"');
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
  if (!integration || !same || integration.type !== IntegrationType.SCIM) throw new ScimError(401, 'The SCIM token is not valid: it may have been rotated. Copy the current one from Roster.');
  if (integration.status === IntegrationStatus.DISABLED) throw new ScimError(401, 'This SCIM integration is disabled in Roster.');
  return integration;
}

function filterOf(resource: 'User' | 'Group', query: express.Request['query']): ScimCriterion[] {
  const filter = query.filter;
  if (filter === undefined || (typeof filter === 'string' && !filter.trim())) return [];
  if (typeof filter !== 'string') throw scimBadRequest('invalidFilter', 'Send one "filter" parameter.');
  return parseScimFilter(resource, filter);
}

/** `startIndex` (1-based) and `count` (capped); nonsense values fall back as RFC 7644 §3.4.2.4 says. */
function pageOf(query: express.Request['query']): Page {
  const startIndex = Math.max(1, Math.floor(Number(query.startIndex ?? 1)) || 1);
  const rawCount = query.count === undefined ? 100 : Math.floor(Number(query.count));
  const count = Number.isFinite(rawCount) ? Math.min(Math.max(rawCount, 0), MAX_PAGE_SIZE) : 100;
  return { startIndex, count };
}
