import { ProvisioningError } from '../integrations/index.js';
import { ScimError, scimBadRequest, scimConflict } from './scim-error.js';

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
      // RFC 7644 §3.12: 403, "operation is not permitted"; no scimType names a quota, so the detail says it.
      case 'SEAT_LIMIT_REACHED':
        throw new ScimError(403, `Seat limit reached (SEAT_LIMIT_REACHED). ${error.message}`);
    }
  }
}
