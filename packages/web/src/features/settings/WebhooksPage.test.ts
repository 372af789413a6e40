import { afterEach, describe, expect, it } from 'vitest';
import readme from '../../../../../README.md?raw';
import {
  aConnection,
  aViewer,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type MountedApp,
  type RecordedOperation,
} from '../../testing/testing';

const SIGNING_SECRET = 'rwhsec_Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1zZWNyZXQ';
const ROLLED_SECRET = 'rwhsec_cm9sbGVkLWZvci10ZXN0cy1vbmx5LW5vdC1yZWFsLXh5eg';
const PRIVATE_REFUSAL =
  'The host 10.0.0.5 resolves to a private address (10.0.0.5), which webhooks may not call (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow it in development).';

interface AnEndpoint {
  __typename: 'WebhookEndpoint';
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  secretPrefix: string;
  secretRolledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

function anEndpoint(overrides: Partial<AnEndpoint> = {}): AnEndpoint {
  return {
    __typename: 'WebhookEndpoint',
    id: 'ep-1',
    url: 'https://hooks.contoso.example/roster',
    description: 'Provisioning bridge',
    events: ['user.invited', 'user.accepted'],
    enabled: true,
    secretPrefix: 'rwhsec_abcde',
    secretRolledAt: null,
    createdAt: '2026-11-20T09:00:00.000Z',
    updatedAt: '2026-11-20T09:00:00.000Z',
    ...overrides,
  };
}

let deliverySeq = 0;
function aDelivery(overrides: Partial<Record<string, unknown>> = {}) {
  deliverySeq += 1;
  return {
    __typename: 'WebhookDelivery',
    id: `del-${deliverySeq}`,
    endpointId: 'ep-1',
    eventId: `evt-${deliverySeq}`,
    eventType: 'user.invited',
    state: 'SUCCEEDED',
    attempts: 1,
    responseStatus: 200,
    responseBody: '{"ok":true}',
    lastError: null,
    durationMs: 142,
    createdAt: new Date(Date.now() - 3600 * 1000).toISOString(),
    lastAttemptAt: new Date(Date.now() - 3600 * 1000).toISOString(),
    deliveredAt: new Date(Date.now() - 3600 * 1000).toISOString(),
    nextAttemptAt: new Date(Date.now() - 3600 * 1000).toISOString(),
    payload: '{"id":"evt","type":"user.invited","target":{"email":"ann@contoso.example"}}',
    ...overrides,
  };
}

const eventTypes = [
  { __typename: 'WebhookEventType', name: 'user.invited', description: 'A user was invited.' },
  { __typename: 'WebhookEventType', name: 'user.accepted', description: 'A user accepted their invitation.' },
  { __typename: 'WebhookEventType', name: 'sync.finished', description: 'An integration sync run finished.' },
];

function api(options: { endpoints?: AnEndpoint[]; deliveries?: ReturnType<typeof aDelivery>[] } = {}) {
  let endpoints = options.endpoints ?? [anEndpoint()];
  let deliveries = options.deliveries ?? [];
  // Like the server: each endpoint with its newest delivery (deliveries are kept newest first).
  const withLastDelivery = (endpoint: AnEndpoint) => ({
    ...endpoint,
    lastDelivery: deliveries.find((d) => d.endpointId === endpoint.id) ?? null,
  });
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    WebhookEndpoints: () => ({ data: { webhookEndpoints: aConnection('WebhookEndpoint', endpoints.map(withLastDelivery)) } }),
    WebhookEndpoint: (op: RecordedOperation) => {
      const found = endpoints.find((e) => e.id === op.variables.id);
      return found ? { data: { webhookEndpoint: found } } : graphQLError('NOT_FOUND', 'No such webhook endpoint.');
    },
    WebhookEventTypes: () => ({ data: { webhookEventTypes: eventTypes } }),
    WebhookDeliveries: () => ({ data: { webhookDeliveries: aConnection('WebhookDelivery', deliveries) } }),
    CreateWebhookEndpoint: (op: RecordedOperation) => {
      const { url, events, description } = op.variables.input;
      if (new URL(url).hostname === '10.0.0.5') return graphQLError('BAD_USER_INPUT', PRIVATE_REFUSAL, { field: 'input.url' });
      const created = anEndpoint({ id: 'ep-2', url, events, description, secretPrefix: SIGNING_SECRET.slice(0, 12) });
      endpoints = [created, ...endpoints];
      return { data: { createWebhookEndpoint: { __typename: 'WebhookEndpointSecretPayload', endpoint: created, secret: SIGNING_SECRET } } };
    },
    UpdateWebhookEndpoint: (op: RecordedOperation) => {
      const { id, ...changes } = op.variables.input;
      endpoints = endpoints.map((e) => (e.id === id ? { ...e, ...changes } : e));
      return { data: { updateWebhookEndpoint: { __typename: 'WebhookEndpointPayload', endpoint: endpoints.find((e) => e.id === id) } } };
    },
    RollWebhookSecret: (op: RecordedOperation) => {
      endpoints = endpoints.map((e) =>
        e.id === op.variables.input.id ? { ...e, secretPrefix: ROLLED_SECRET.slice(0, 12), secretRolledAt: new Date().toISOString() } : e,
      );
      const endpoint = endpoints.find((e) => e.id === op.variables.input.id);
      return { data: { rollWebhookSecret: { __typename: 'WebhookEndpointSecretPayload', endpoint, secret: ROLLED_SECRET } } };
    },
    DeleteWebhookEndpoint: (op: RecordedOperation) => {
      endpoints = endpoints.filter((e) => e.id !== op.variables.input.id);
      return {
        data: {
          deleteWebhookEndpoint: {
            __typename: 'WebhookEndpointPayload',
            endpoint: { __typename: 'WebhookEndpoint', id: op.variables.input.id },
          },
        },
      };
    },
    SendTestWebhook: (op: RecordedOperation) => {
      const queued = aDelivery({
        endpointId: op.variables.input.endpointId,
        eventType: 'webhook.test',
        state: 'PENDING',
        attempts: 0,
        responseStatus: null,
        responseBody: null,
        durationMs: null,
        lastAttemptAt: null,
        deliveredAt: null,
        createdAt: new Date().toISOString(),
      });
      deliveries = [queued, ...deliveries];
      return { data: { sendTestWebhook: { __typename: 'WebhookDeliveryPayload', delivery: queued } } };
    },
    RedeliverWebhook: (op: RecordedOperation) => {
      const original = deliveries.find((d) => d.id === op.variables.input.deliveryId)!;
      const again = aDelivery({
        eventId: original.eventId,
        eventType: original.eventType,
        payload: original.payload,
        state: 'PENDING',
        attempts: 0,
        responseStatus: null,
        responseBody: null,
        durationMs: null,
        lastAttemptAt: null,
        deliveredAt: null,
        createdAt: new Date().toISOString(),
      });
      deliveries = [again, ...deliveries];
      return { data: { redeliverWebhook: { __typename: 'WebhookDeliveryPayload', delivery: again } } };
    },
  });
}

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

const button = (name: string, root: { findAll: MountedApp['wrapper']['findAll'] } = app!.wrapper) => {
  const found = root.findAll('button').find((b) => b.text() === name);
  if (!found) throw new Error(`No button "${name}"`);
  return found;
};
const dialog = () => app!.wrapper.get('[role="dialog"]');
const deliveryRows = () => app!.wrapper.findAll('[data-testid="delivery-row"]');

describe('Settings › Webhooks', () => {
  it('lists endpoints with their events, state and last delivery in one request, and explains how to verify signatures', async () => {
    const quiet = anEndpoint({
      id: 'ep-quiet',
      url: 'https://quiet.contoso.example/hook',
      description: null,
      createdAt: '2026-11-19T09:00:00.000Z',
    });
    const fake = api({
      endpoints: [anEndpoint(), quiet],
      deliveries: [aDelivery({ state: 'FAILED', responseStatus: 500 }), aDelivery({ state: 'SUCCEEDED', responseStatus: 200 })],
    });
    app = await mountApp(fake, '/settings/webhooks');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="endpoint-row"]')).toHaveLength(2));
    const [row, quietRow] = app.wrapper.findAll('[data-testid="endpoint-row"]');
    expect(row!.text()).toContain('https://hooks.contoso.example/roster');
    expect(row!.text()).toContain('user.invited');
    expect(row!.text()).toContain('Enabled');
    // The newest delivery, not an older one.
    expect(row!.get('[data-testid="last-delivery"]').text()).toContain('Failed');
    expect(row!.get('[data-testid="last-delivery"]').text()).toContain('HTTP 500');
    expect(quietRow!.find('[data-testid="last-delivery"]').exists()).toBe(false);
    expect(quietRow!.get('[data-testid="no-delivery"]').text()).toBe('None yet');
    // One request for the whole table: no request per endpoint for its last delivery.
    await settle();
    expect(fake.calls('WebhookEndpoints')).toHaveLength(1);
    expect(fake.operations.filter((o) => o.variables.endpointId !== undefined)).toEqual([]);
    const help = app.wrapper.get('[data-testid="signature-help"]').text();
    expect(help).toContain('Roster-Webhook-Signature');
    expect(help).toContain('{id}.{timestamp}.{body}');
    // The receiver example is the README's, so the two never disagree.
    const readmeExample = /### Webhooks[\s\S]*?```js\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(readmeExample).toContain('verifyRosterWebhook');
    expect(app.wrapper.get('[data-testid="signature-help"] pre').text()).toBe(readmeExample);
  });

  it('checks the URL before sending, shows the server refusing a private address next to the field, then shows the signing secret once', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings/webhooks');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="endpoint-row"]')).toHaveLength(1));
    await button('New endpoint').trigger('click');
    await waitFor(() => expect(dialog().text()).toContain('sync.finished'));

    const url = dialog().get('input[type="url"]');
    await url.setValue('hooks.example.com/roster');
    await dialog().get('input[type="checkbox"][value="user.invited"]').setValue(true);
    await dialog().get('form').trigger('submit');
    await settle();
    expect(dialog().get('[data-testid="url-error"]').text()).toContain('Enter a full URL');
    expect(url.attributes('aria-invalid')).toBe('true');
    expect(fake.calls('CreateWebhookEndpoint')).toHaveLength(0);

    await url.setValue('https://10.0.0.5/hook');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('CreateWebhookEndpoint')!.variables).toEqual({
      input: { url: 'https://10.0.0.5/hook', description: null, events: ['user.invited'] },
    });
    expect(dialog().get('[data-testid="url-error"]').text()).toBe(PRIVATE_REFUSAL);
    expect(dialog().find('[data-testid="endpoint-form-error"]').exists()).toBe(false);

    await url.setValue('https://hooks.fabrikam.example/in');
    await dialog().get('form').trigger('submit');
    await settle();
    const shown = dialog();
    expect(shown.text()).toContain('Endpoint created: https://hooks.fabrikam.example/in');
    expect((shown.get('[data-testid="secret-value"]').element as HTMLInputElement).value).toBe(SIGNING_SECRET);
    expect(shown.get('[data-testid="secret-warning"]').text()).toContain('you will not see it again');
    await button('Done', shown).trigger('click');
    await settle();
    expect(Array.from(document.querySelectorAll('input')).map((input) => input.value)).not.toContain(SIGNING_SECRET);
    expect(JSON.stringify(fake.client.cache.extract())).not.toContain(SIGNING_SECRET);
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="endpoint-row"]')).toHaveLength(2));
  });

  it('edits an endpoint from its current values; an emptied description is cleared', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings/webhooks');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="endpoint-row"]')).toHaveLength(1));
    await button('Edit', app.wrapper.get('[data-testid="endpoint-row"]')).trigger('click');
    await waitFor(() => expect(dialog().text()).toContain('sync.finished'));
    expect(dialog().text()).toContain('Edit webhook endpoint');
    expect((dialog().get('input[type="url"]').element as HTMLInputElement).value).toBe('https://hooks.contoso.example/roster');
    const checked = dialog()
      .findAll('input[type="checkbox"]')
      .filter((c) => (c.element as HTMLInputElement).checked);
    expect(checked.map((c) => c.attributes('value'))).toEqual(['user.invited', 'user.accepted']);

    await dialog().get('input[type="checkbox"][value="user.accepted"]').setValue(false);
    await dialog().get('input[type="checkbox"][value="sync.finished"]').setValue(true);
    await dialog().get('input:not([type])').setValue('');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.lastCall('UpdateWebhookEndpoint')!.variables).toEqual({
      input: { id: 'ep-1', url: 'https://hooks.contoso.example/roster', description: '', events: ['user.invited', 'sync.finished'] },
    });
    expect(app.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(app.wrapper.get('[data-testid="endpoint-row"]').text()).toContain('sync.finished');
    expect(app.wrapper.get('[data-testid="endpoint-row"]').text()).not.toContain('Provisioning bridge');
  });

  it("sends a test event and shows it as the endpoint's last delivery without reading the list again", async () => {
    const fake = api({ deliveries: [aDelivery({ state: 'FAILED', responseStatus: 500 })] });
    app = await mountApp(fake, '/settings/webhooks');
    await waitFor(() => expect(app!.wrapper.find('[data-testid="last-delivery"]').exists()).toBe(true));
    const row = () => app!.wrapper.get('[data-testid="endpoint-row"]');
    expect(row().get('[data-testid="last-delivery"]').text()).toContain('Failed');

    await button('Send test', row()).trigger('click');
    await settle();
    expect(fake.lastCall('SendTestWebhook')!.variables).toEqual({ input: { endpointId: 'ep-1' } });
    await waitFor(() => expect(row().get('[data-testid="last-delivery"]').text()).toContain('Pending'));
    expect(row().get('[data-testid="last-delivery"]').text()).not.toContain('HTTP');
    expect(app.wrapper.get('[data-testid="toasts"]').text()).toContain('Test event queued for https://hooks.contoso.example/roster');
    expect(fake.calls('WebhookEndpoints')).toHaveLength(1);
  });

  it('pauses and resumes an endpoint, asks before rolling its secret or deleting it, and shows the new secret once', async () => {
    const fake = api();
    app = await mountApp(fake, '/settings/webhooks');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="endpoint-row"]')).toHaveLength(1));
    const row = () => app!.wrapper.get('[data-testid="endpoint-row"]');

    await button('Pause', row()).trigger('click');
    await settle();
    expect(fake.lastCall('UpdateWebhookEndpoint')!.variables).toEqual({ input: { id: 'ep-1', enabled: false } });
    expect(row().text()).toContain('Paused');
    expect(button('Send test', row()).attributes('disabled')).toBeDefined();
    await button('Resume', row()).trigger('click');
    await settle();
    expect(fake.lastCall('UpdateWebhookEndpoint')!.variables).toEqual({ input: { id: 'ep-1', enabled: true } });
    expect(row().text()).toContain('Enabled');

    await button('Roll secret', row()).trigger('click');
    await settle();
    const rollConfirm = app!.wrapper.get('[role="alertdialog"]');
    expect(rollConfirm.text()).toContain('The current secret (rwhsec_abcde…) stops signing at once');
    expect(fake.calls('RollWebhookSecret')).toHaveLength(0);
    await button('Roll secret', rollConfirm).trigger('click');
    await settle();
    expect(fake.lastCall('RollWebhookSecret')!.variables).toEqual({ input: { id: 'ep-1' } });
    expect((dialog().get('[data-testid="secret-value"]').element as HTMLInputElement).value).toBe(ROLLED_SECRET);
    await button('Done', dialog()).trigger('click');
    await settle();
    expect(Array.from(document.querySelectorAll('input')).map((input) => input.value)).not.toContain(ROLLED_SECRET);

    await button('Delete', row()).trigger('click');
    await settle();
    const deleteConfirm = app!.wrapper.get('[role="alertdialog"]');
    expect(deleteConfirm.text()).toContain('Its delivery history goes with it and pending deliveries are not sent.');
    expect(fake.calls('DeleteWebhookEndpoint')).toHaveLength(0);
    await button('Delete endpoint', deleteConfirm).trigger('click');
    await settle();
    expect(fake.lastCall('DeleteWebhookEndpoint')!.variables).toEqual({ input: { id: 'ep-1' } });
    await waitFor(() => expect(app!.wrapper.text()).toContain('No webhook endpoints yet'));
  });

  it("lists an endpoint's deliveries, shows one's payload and response, and re-sends it", async () => {
    const failed = aDelivery({
      eventType: 'user.accepted',
      state: 'FAILED',
      attempts: 8,
      responseStatus: 503,
      responseBody: 'Service Unavailable',
      durationMs: 2400,
      lastError: 'HTTP 503',
    });
    const ok = aDelivery();
    const retrying = aDelivery({
      state: 'PENDING',
      attempts: 2,
      responseStatus: null,
      responseBody: null,
      lastError: 'ETIMEDOUT: no answer within 10 s',
    });
    const fake = api({ deliveries: [failed, ok, retrying] });
    app = await mountApp(fake, '/settings/webhooks/ep-1');
    await waitFor(() => expect(deliveryRows()).toHaveLength(3));

    expect(app.wrapper.get('[data-testid="endpoint-url"]').text()).toBe('https://hooks.contoso.example/roster');
    expect(fake.lastCall('WebhookDeliveries')!.variables).toEqual({ endpointId: 'ep-1', page: { first: 25 } });
    const cells = deliveryRows()[0]!
      .findAll('td')
      .map((td) => td.text());
    expect(cells.slice(0, 6)).toEqual(['user.accepted', 'Failed', 'HTTP 503', '8', '1 hour ago', '2.4 s']);
    expect(
      deliveryRows()[1]!
        .findAll('td')
        .map((td) => td.text())[5],
    ).toBe('142 ms');
    expect(
      deliveryRows()[2]!
        .findAll('td')
        .map((td) => td.text())
        .slice(1, 4),
    ).toEqual(['Retrying', 'No answer', '2']);
    expect(app.wrapper.get('[data-testid="deliveries-summary"]').text()).toBe('Showing 1–3 of 3 deliveries');

    await button('View', deliveryRows()[0]!).trigger('click');
    await settle();
    expect(dialog().get('[data-testid="delivery-payload"]').text()).toContain('"email": "ann@contoso.example"');
    expect(dialog().get('[data-testid="delivery-response"]').text()).toBe('Service Unavailable');
    expect(dialog().get('[data-testid="delivery-error"]').text()).toBe('HTTP 503');
    await button('Close', dialog()).trigger('click');
    await settle();

    await button('Re-send', deliveryRows()[0]!).trigger('click');
    await settle();
    expect(fake.lastCall('RedeliverWebhook')!.variables).toEqual({ input: { deliveryId: failed.id } });
    await waitFor(() => expect(deliveryRows()).toHaveLength(4));
    expect(
      deliveryRows()[0]!
        .findAll('td')
        .map((td) => td.text())
        .slice(0, 4),
    ).toEqual(['user.accepted', 'Pending', 'Not sent yet', '0']);
    expect(app.wrapper.get('[data-testid="toasts"]').text()).toContain('user.accepted queued again');
  });

  it('says so when the endpoint does not exist', async () => {
    app = await mountApp(api(), '/settings/webhooks/ep-404');
    await waitFor(() => expect(app!.wrapper.text()).toContain('No such endpoint'));
    expect(app.wrapper.findAll('button').map((b) => b.text())).not.toContain('Try again');
  });
});
