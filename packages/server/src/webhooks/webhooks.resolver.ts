import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../core/context.js';
import { PageArgs } from '../core/lists/connection.js';
import { WEBHOOK_EVENT_TYPES } from './webhook-events.js';
import type { DeliveryInfo } from './webhook.service.js';
import {
  CreateWebhookEndpointInput,
  RedeliverWebhookInput,
  SendTestWebhookInput,
  UpdateWebhookEndpointInput,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookDeliveryPayload,
  WebhookEndpoint,
  WebhookEndpointConnection,
  WebhookEndpointIdInput,
  WebhookEndpointPayload,
  WebhookEndpointSecretPayload,
  WebhookEventType,
} from './webhook.types.js';

@Resolver(() => WebhookEndpoint)
export class WebhooksResolver {
  @Query(() => WebhookEndpointConnection, {
    description: "The current MSP account's webhook endpoints, newest first. Administrators only.",
  })
  async webhookEndpoints(
    @Ctx() ctx: RequestContext,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 by default, at most 100.' }) page?: PageArgs,
  ) {
    const viewer = await ctx.admin();
    return ctx.services.webhooks.listEndpoints(viewer.accountId, page);
  }

  @Query(() => WebhookEndpoint, {
    description: 'One webhook endpoint of the current account; NOT_FOUND for any other id. Administrators only.',
  })
  async webhookEndpoint(@Arg('id', () => ID, { description: 'Id of the endpoint.' }) id: string, @Ctx() ctx: RequestContext) {
    const viewer = await ctx.admin();
    return ctx.services.webhooks.getEndpoint(viewer.accountId, id);
  }

  @Query(() => WebhookDeliveryConnection, {
    description: "An endpoint's deliveries, newest first, with the answer of each one's last attempt. Administrators only.",
  })
  async webhookDeliveries(
    @Ctx() ctx: RequestContext,
    @Arg('endpointId', () => ID, { description: 'Id of the endpoint.' }) endpointId: string,
    @Arg('page', () => PageArgs, { nullable: true, description: 'Which page; 25 by default, at most 100.' }) page?: PageArgs,
  ) {
    const viewer = await ctx.admin();
    return ctx.services.webhooks.listDeliveries(viewer.accountId, endpointId, page);
  }

  @Query(() => [WebhookEventType], { description: 'Every event a webhook endpoint can subscribe to.' })
  webhookEventTypes(): WebhookEventType[] {
    return Object.entries(WEBHOOK_EVENT_TYPES).map(([name, description]) => ({ name, description }));
  }

  @Mutation(() => WebhookEndpointSecretPayload, {
    description: 'Registers a webhook endpoint. The signing secret is in the payload only this once. Administrators only; audited.',
  })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'The URL, events and description of the new endpoint.' })
    input: CreateWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpointSecretPayload> {
    const viewer = await ctx.admin();
    return ctx.services.webhooks.create(viewer, input);
  }

  @Mutation(() => WebhookEndpointPayload, {
    description: "Changes an endpoint's URL, events, description, or pauses and resumes it. Administrators only; audited.",
  })
  async updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The endpoint and what to change.' }) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpointPayload> {
    const viewer = await ctx.admin();
    return { endpoint: await ctx.services.webhooks.update(viewer, input.id, input) };
  }

  @Mutation(() => WebhookEndpointSecretPayload, {
    description:
      'Replaces the signing secret; the old one stops signing at once. The new secret is in the payload only this once. Administrators only; audited.',
  })
  async rollWebhookSecret(
    @Arg('input', () => WebhookEndpointIdInput, { description: 'The endpoint.' }) input: WebhookEndpointIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpointSecretPayload> {
    const viewer = await ctx.admin();
    return ctx.services.webhooks.rollSecret(viewer, input.id);
  }

  @Mutation(() => WebhookEndpointPayload, {
    description: 'Deletes an endpoint and its delivery history; pending deliveries are not sent. Administrators only; audited.',
  })
  async deleteWebhookEndpoint(
    @Arg('input', () => WebhookEndpointIdInput, { description: 'The endpoint.' }) input: WebhookEndpointIdInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpointPayload> {
    const viewer = await ctx.admin();
    return { endpoint: await ctx.services.webhooks.remove(viewer, input.id) };
  }

  @Mutation(() => WebhookDeliveryPayload, {
    description: 'Sends a delivery again: a new delivery with the same body and Roster-Webhook-Id. Administrators only; audited.',
  })
  async redeliverWebhook(
    @Arg('input', () => RedeliverWebhookInput, { description: 'The delivery to send again.' }) input: RedeliverWebhookInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookDeliveryPayload> {
    const viewer = await ctx.admin();
    return { delivery: await ctx.services.webhooks.redeliver(viewer, input.deliveryId) };
  }

  @Mutation(() => WebhookDeliveryPayload, {
    description:
      'Sends a `webhook.test` event to the endpoint, to check that it receives and verifies deliveries. Administrators only; audited.',
  })
  async sendTestWebhook(
    @Arg('input', () => SendTestWebhookInput, { description: 'The endpoint to test.' }) input: SendTestWebhookInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookDeliveryPayload> {
    const viewer = await ctx.admin();
    return { delivery: await ctx.services.webhooks.sendTest(viewer, input.endpointId) };
  }

  @FieldResolver(() => WebhookDelivery, {
    nullable: true,
    description:
      'The newest delivery to the endpoint (the one its last event or test queued); null before the first. Read for a whole page of endpoints at once.',
  })
  async lastDelivery(@Root() endpoint: WebhookEndpoint, @Ctx() ctx: RequestContext): Promise<DeliveryInfo | null> {
    return ctx.loaders(await ctx.viewer()).lastWebhookDelivery.load(endpoint.id);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Name (or email) of the administrator who registered the endpoint; null when unknown or no longer a member.',
  })
  async createdBy(@Root() endpoint: WebhookEndpoint, @Ctx() ctx: RequestContext): Promise<string | null> {
    if (!endpoint.createdByPersonId) return null;
    const actor = await ctx.loaders(await ctx.viewer()).auditActor.load(`PERSON:${endpoint.createdByPersonId}`);
    return actor.email ? actor.name : null;
  }
}
