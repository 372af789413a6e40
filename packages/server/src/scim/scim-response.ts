import type express from 'express';
import { ProvisioningError } from '../integrations/provisioning.service.js';
import { ScimError, scimBadRequest, scimConflict } from './scim-error.js';

type Json = Record<string, unknown>;

/** `attributes=` keeps only the named attributes (plus id and schemas); `excludedAttributes=` drops them. */
export function project(resource: Json, query: express.Request['query']): Json {
  const names = (value: unknown) =>
    typeof value === 'string' && value.trim()
      ? value.split(',').map((n) => n.trim().replace(/\[.*$/, '').split('.')[0]!.toLowerCase()).filter(Boolean)
      : null;
  const only = names(query.attributes);
  const excluded = names(query.excludedAttributes);
  if (!only && !excluded) return resource;
  const always = new Set(['id', 'schemas']);
  return Object.fromEntries(
    Object.entries(resource).filter(([key]) => {
      const lower = key.toLowerCase();
      if (always.has(lower)) return true;
      if (only) return only.includes(lower);
      return !excluded!.includes(lower);
    }),
  );
}

/** The provisioning service's refusals, as SCIM errors. */
export async function provisioningCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ProvisioningError)) throw error;
    switch (error.code) {
      case 'EMAIL_TAKEN':
      case 'NAME_TAKEN':
        throw scimConflict(error.message);
      case 'INVALID_EMAIL':
        throw scimBadRequest('invalidValue', error.message);
      case 'NOT_FOUND':
        throw new ScimError(404, error.message);
    }
  }
}

