/** RFC 7644 §3.12 error `scimType` values Roster answers with. */
export type ScimErrorType =
  'invalidFilter' | 'invalidSyntax' | 'invalidValue' | 'invalidPath' | 'noTarget' | 'uniqueness' | 'mutability' | 'tooMany';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An error a SCIM client reads: an HTTP status, an optional `scimType` and a sentence an admin understands. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorType,
  ) {
    super(detail);
  }

  /** The RFC 7644 error body; `status` is a string there. */
  toJSON(): Record<string, unknown> {
    return {
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const scimBadRequest = (scimType: ScimErrorType, detail: string) => new ScimError(400, detail, scimType);
export const scimNotFound = (resource: 'User' | 'Group', id: string) => new ScimError(404, `${resource} ${JSON.stringify(id)} not found.`);
export const scimConflict = (detail: string) => new ScimError(409, detail, 'uniqueness');
