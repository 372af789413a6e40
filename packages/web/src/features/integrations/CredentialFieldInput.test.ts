import { afterEach, describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import CredentialFieldInput from './CredentialFieldInput.vue';
import { aViewer, fakeApi, mountApp, settle, type MountedApp } from '../../testing/testing';
import { aCredentialField, aPage, anIntegrationType } from './integration-builders';

// An LDAP-like type: a multi-line CA certificate and a yes/no StartTLS choice besides plain text boxes.
const ldap = {
  ...anIntegrationType('MICROSOFT_ENTRA'),
  type: 'LDAP',
  displayName: 'LDAP / Active Directory',
  credentialFields: [
    aCredentialField({ name: 'url', label: 'Server URL', destination: true }),
    aCredentialField({ name: 'bindPassword', label: 'Bind password', secret: true }),
    aCredentialField({ name: 'startTls', label: 'Use StartTLS', required: false, control: 'YES_NO' }),
    aCredentialField({ name: 'caCertificate', label: 'CA certificate', required: false, control: 'MULTILINE' }),
    aCredentialField({ name: 'nestedGroups', label: 'Nested groups', required: false, control: 'YES_NO' }),
  ],
};

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

describe('credential fields by their control', () => {
  it('asks for a certificate in a text area and a yes/no field with a choice, and sends yes only when chosen', async () => {
    const fake = fakeApi({
      Me: () => ({ data: { me: aViewer({ role: 'ADMIN' }) } }),
      IntegrationsPage: () => ({ data: { integrationTypes: [ldap], integrations: aPage('Integration', [], () => '') } }),
      TestIntegrationConnection: () => ({
        data: {
          testIntegrationConnection: {
            __typename: 'TestIntegrationConnectionPayload',
            ok: true,
            failure: null,
            message: 'Connected.',
            integration: null,
          },
        },
      }),
    });
    app = await mountApp(fake, '/integrations');
    await app.wrapper.get('[data-testid="set-up-LDAP"]').trigger('click');
    await settle();
    const dialog = () => app!.wrapper.get('[role="dialog"]');
    const next = async () => {
      await dialog().get('[data-testid="integration-wizard"]').trigger('submit');
      await settle();
    };
    await next();

    const certificate = dialog().get('[data-testid="credential-caCertificate"]');
    expect(certificate.element.tagName).toBe('TEXTAREA');
    const startTls = dialog().get('[data-testid="credential-startTls"]');
    expect(startTls.element.tagName).toBe('SELECT');
    expect(startTls.findAll('option').map((o) => o.text())).toEqual(['No', 'Yes']);
    expect((dialog().get('[data-testid="credential-bindPassword"]').element as HTMLInputElement).type).toBe('password');

    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\nAAAA\n-----END CERTIFICATE-----';
    await dialog().get('[data-testid="credential-url"]').setValue('ldap://dc1.example.com');
    await dialog().get('[data-testid="credential-bindPassword"]').setValue('s3cret');
    await startTls.setValue('yes');
    await certificate.setValue(pem);
    await next();
    await next();
    await dialog().get('[data-testid="wizard-test"]').trigger('click');
    await settle();
    expect(fake.lastCall('TestIntegrationConnection')!.variables.input).toEqual({
      type: 'LDAP',
      credentials: [
        { name: 'url', value: 'ldap://dc1.example.com' },
        { name: 'bindPassword', value: 's3cret' },
        { name: 'startTls', value: 'yes' },
        { name: 'caCertificate', value: pem },
      ],
    });
  });

  it('offers to keep the stored value of a yes/no field when editing, and sends no only when chosen', async () => {
    const wrapper = mount(CredentialFieldInput, {
      props: {
        field: { name: 'startTls', secret: false, control: 'YES_NO' },
        id: 'start-tls',
        testid: 'replace-startTls',
        keepLabel: 'Keep the stored value',
        modelValue: '',
        'onUpdate:modelValue': (value: string) => wrapper.setProps({ modelValue: value }),
      },
    });
    const select = wrapper.get('select');
    expect(select.findAll('option').map((o) => [o.attributes('value'), o.text()])).toEqual([
      ['', 'Keep the stored value'],
      ['yes', 'Yes'],
      ['no', 'No'],
    ]);
    await select.setValue('no');
    expect(wrapper.props('modelValue')).toBe('no');
  });
});
