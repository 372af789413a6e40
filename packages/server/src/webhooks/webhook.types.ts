import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CAPPED_COUNT_DESCRIPTION } from '../core/lists/capped-count.js';
import { ConnectionType } from '../core/lists/connection.js';
import { WebhookDeliveryState } from './webhook-delivery.entity.js';

registerEnumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description: 'Where a webhook delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Queued, or waiting for its next attempt after a failed one (see nextAttemptAt).' },
    SUCCEEDED: { description: 'The endpoint answered with a 2xx status.' },
    FAILED: { description: 'Given up: every attempt failed, or the endpoint is disabled, deleted or refused (private address).' },
  },
});

@ObjectType({ description: 'An HTTPS URL that receives signed POSTs for the events it subscribed to.', simpleResolvers: true })
export class WebhookEndpoint {
  @Field(() => ID, { description: 'Id of the endpoint.' })
  id!: string;

  @Field(() => String, { description: 'Where deliveries are POSTed.' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'What the endpoint is for, as the admin described it.' })
  description!: string | null;

  @Field(() => [String], { description: 'The event types it receives (see webhookEventTypes).' })
  events!: string[];

  @Field(() => Boolean, { description: 'False while paused: no deliveries are queued for it.' })
  enabled!: boolean;

  @Field(() => String, {
    description:
      'The first characters of the signing secret, so an admin can tell which secret a receiver holds. The whole secret is shown only at creation and when rolled.',
  })
  secretPrefix!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the endpoint was registered.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { description: 'When the endpoint was last changed.' })
  updatedAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the signing secret was last rolled; null when never.' })
  secretRolledAt!: Date | null;

  createdByPersonId!: string | null;
}

export const WebhookEndpointConnection = ConnectionType(WebhookEndpoint, 'WebhookEndpoint', 'webhook endpoints');

@ObjectType({ description: 'One event sent (or to be sent) to one endpoint, with the answer of its last attempt.', simpleResolvers: true })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Id of the delivery (pass it to redeliverWebhook). Also sent as the `Roster-Webhook-Delivery` header.' })
  id!: string;

  @Field(() => ID, { description: 'Id of the endpoint.' })
  endpointId!: string;

  @Field(() => ID, {
    description: 'Id of the event, sent as `Roster-Webhook-Id`: the same for retries and re-deliveries, so a receiver can ignore repeats.',
  })
  eventId!: string;

  @Field(() => String, { description: 'The event type, e.g. `user.invited` (or `webhook.test`).' })
  eventType!: string;

  @Field(() => String, { description: 'The JSON body POSTed.' })
  payload!: string;

  @Field(() => WebhookDeliveryState, { description: 'Where the delivery stands.' })
  state!: WebhookDeliveryState;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => GraphQLISODateTime, { description: 'When the next attempt is due (while PENDING).' })
  nextAttemptAt!: Date;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last answer; null when no answer came.' })
  responseStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'The first 1,000 characters of the last answer.' })
  responseBody!: string | null;

  @Field(() => Int, { nullable: true, description: 'How long the last attempt took, in milliseconds.' })
  durationMs!: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (status, timeout, refused address).' })
  lastError!: string | null;

  @Field(() => GraphQLISODateTime, { description: 'When the delivery was queued.' })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the last attempt was made; null before the first.' })
  lastAttemptAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the endpoint accepted it (2xx); null until then.' })
  deliveredAt!: Date | null;
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDelivery, 'WebhookDelivery', 'webhook deliveries', CAPPED_COUNT_DESCRIPTION);

@ObjectType({ description: 'An event a webhook endpoint can subscribe to.', simpleResolvers: true })
export class WebhookEventType {
  @Field(() => String, { description: 'The event type, e.g. `user.invited`.' })
  name!: string;

  @Field(() => String, { description: 'When it is sent.' })
  description!: string;
}

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field(() => String, {
    description:
      'An https:// URL whose host resolves to a public address (plain http and private addresses only when OUTBOUND_ALLOW_PRIVATE_NETWORKS is true).',
  })
  url!: string;

  @Field(() => [String], { description: 'Event types to receive, from webhookEventTypes; at least one.' })
  events!: string[];

  @Field(() => String, { nullable: true, description: 'What the endpoint is for (at most 500 characters).' })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'False to register it paused.' })
  enabled?: boolean | null;
}

@ObjectType({ description: 'The new endpoint and its signing secret.' })
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;

  @Field(() => String, {
    description: 'The signing secret (`rwhsec_...`). Shown only this once: give it to the receiver to verify `Roster-Webhook-Signature`.',
  })
  secret!: string;
}

@InputType({ description: 'Changes to a webhook endpoint; omitted fields stay as they are.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'Id of the endpoint.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new URL (checked like at creation).' })
  url?: string | null;

  @Field(() => [String], { nullable: true, description: 'The new list of event types (replaces the old one).' })
  events?: string[] | null;

  @Field(() => String, { nullable: true, description: 'A new description; an empty string clears it.' })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'False pauses the endpoint (nothing is queued for it, pending deliveries fail); true resumes it.',
  })
  enabled?: boolean | null;
}

@ObjectType({ description: 'The endpoint after the change.' })
export class WebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;
}

@InputType({ description: 'A webhook endpoint, by id.' })
export class WebhookEndpointIdInput {
  @Field(() => ID, { description: 'Id of the endpoint.' })
  id!: string;
}

@InputType({ description: 'The delivery to send again.' })
export class RedeliverWebhookInput {
  @Field(() => ID, { description: 'Id of a delivery of this account.' })
  deliveryId!: string;
}

@InputType({ description: 'The endpoint to send a test event to.' })
export class SendTestWebhookInput {
  @Field(() => ID, { description: 'Id of the endpoint.' })
  endpointId!: string;
}

@ObjectType({ description: 'A delivery just queued; the worker sends it within a second or so.' })
export class WebhookDeliveryPayload {
  @Field(() => WebhookDelivery, { description: 'The new delivery (PENDING); follow it in webhookDeliveries.' })
  delivery!: WebhookDelivery;
}
