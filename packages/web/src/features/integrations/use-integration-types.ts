import type { IntegrationTypeFieldsFragment } from '@roster/schema/generated';

/** An integration type as the setup form and the cards read it. */
export type IntegrationTypeInfo = IntegrationTypeFieldsFragment;
