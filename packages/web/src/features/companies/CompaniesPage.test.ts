import { afterEach, describe, expect, it } from 'vitest';
import {
  aConnection,
  aViewer,
  buttonIn,
  fakeApi,
  graphQLError,
  mountApp,
  settle,
  waitFor,
  type ButtonRoot,
  type MountedApp,
  type RecordedOperation,
  type Responder,
} from '../../testing/testing';

const company = (id: string, name: string, userCount: number) => ({ __typename: 'Company', id, name, userCount });

let app: MountedApp | undefined;
afterEach(() => {
  app?.wrapper.unmount();
  app = undefined;
});

/** A fake API whose company list follows the mutations it answers. */
function api(overrides: Record<string, Responder> = {}) {
  let companies = [company('c1', 'Contoso', 4), company('c2', 'Fabrikam', 1)];
  return fakeApi({
    Me: () => ({ data: { me: aViewer() } }),
    UsersPage: () => ({ data: { users: aConnection('User', []) } }),
    Companies: () => ({ data: { companies: aConnection('Company', companies) } }),
    CreateCompany: (op: RecordedOperation) => {
      const created = company('c3', op.variables.input.name, 0);
      companies = [...companies, created];
      return { data: { createCompany: { __typename: 'CompanyPayload', company: created } } };
    },
    RenameCompany: (op: RecordedOperation) => {
      const renamed = { ...companies.find((c) => c.id === op.variables.input.id)!, name: op.variables.input.name };
      companies = companies.map((c) => (c.id === renamed.id ? renamed : c));
      return { data: { renameCompany: { __typename: 'CompanyPayload', company: renamed } } };
    },
    DeleteCompany: (op: RecordedOperation) => {
      companies = companies.filter((c) => c.id !== op.variables.input.id);
      return { data: { deleteCompany: { __typename: 'DeletePayload', deletedId: op.variables.input.id } } };
    },
    ...overrides,
  });
}

const button = (name: string, root: ButtonRoot = app!.wrapper) => buttonIn(root, name);
const row = (name: string) => {
  const found = app!.wrapper.findAll('[data-testid="company-row"]').find((r) => r.find('td').text() === name);
  if (!found) throw new Error(`No row "${name}"`);
  return found;
};
const dialog = () => app!.wrapper.get('[role="dialog"]');
/** The input whose label reads `label`, inside the dialog. */
const field = (label: string) => {
  const labelEl = dialog()
    .findAll('label')
    .find((l) => l.text() === label);
  if (!labelEl) throw new Error(`No field labelled "${label}"`);
  return dialog().get(`#${labelEl.attributes('for')}`);
};
const toasts = () => app!.wrapper.get('[data-testid="toasts"]');

async function openCompanies(fake: ReturnType<typeof api>) {
  app = await mountApp(fake, '/companies');
  await waitFor(() => expect(app!.wrapper.findAll('[data-testid="company-row"]')).toHaveLength(2));
}

describe('Companies page: create, rename, delete', () => {
  it('links each company name to its users', async () => {
    await openCompanies(api());
    const link = row('Contoso').get('a');
    expect(link.attributes('href')).toBe('/users?company=c1');
    await link.trigger('click');
    await waitFor(() => expect(app!.router.currentRoute.value.fullPath).toBe('/users?company=c1'));
  });

  it("shows the server's reason next to the Name field when the name is taken, keeping what was typed", async () => {
    const fake = api({
      CreateCompany: () => graphQLError('BAD_USER_INPUT', 'A company named "Contoso" already exists.', { field: 'input.name' }),
    });
    await openCompanies(fake);

    await button('New company').trigger('click');
    await settle();
    expect(dialog().text()).toContain('New company');
    await field('Name').setValue('Contoso');
    await dialog().get('form').trigger('submit');
    await settle();

    expect(fake.lastCall('CreateCompany')!.variables).toEqual({ input: { name: 'Contoso' } });
    const name = field('Name');
    expect(name.attributes('aria-invalid')).toBe('true');
    const errorId = name.attributes('aria-describedby')!;
    expect(dialog().get(`#${errorId}`).text()).toBe('A company named "Contoso" already exists.');
    expect((name.element as HTMLInputElement).value).toBe('Contoso');
    expect(document.activeElement).toBe(name.element);
  });

  it('creates a company, closes the dialog, says so and reads the list again', async () => {
    const fake = api();
    await openCompanies(fake);
    const listReads = fake.calls('Companies').length;

    await button('New company').trigger('click');
    await settle();
    await field('Name').setValue('  Northwind Traders ');
    await dialog().get('form').trigger('submit');
    await settle();

    expect(fake.lastCall('CreateCompany')!.variables).toEqual({ input: { name: 'Northwind Traders' } });
    expect(app!.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('Created Northwind Traders.');
    expect(fake.calls('Companies').length).toBeGreaterThan(listReads);
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="company-row"]')).toHaveLength(3));
  });

  it('refuses an empty name without asking the server', async () => {
    const fake = api();
    await openCompanies(fake);
    await button('New company').trigger('click');
    await settle();
    await field('Name').setValue('   ');
    await dialog().get('form').trigger('submit');
    await settle();
    expect(fake.calls('CreateCompany')).toHaveLength(0);
    expect(dialog().get('[data-testid="name-error"]').text()).toBe('Enter a name.');
  });

  it('renames a company from its row', async () => {
    const fake = api();
    await openCompanies(fake);

    await button('Rename', row('Fabrikam')).trigger('click');
    await settle();
    expect(dialog().text()).toContain('Rename Fabrikam');
    expect((field('Name').element as HTMLInputElement).value).toBe('Fabrikam');
    await field('Name').setValue('Fabrikam Inc.');
    await dialog().get('form').trigger('submit');
    await settle();

    expect(fake.lastCall('RenameCompany')!.variables).toEqual({ input: { id: 'c2', name: 'Fabrikam Inc.' } });
    expect(app!.wrapper.find('[role="dialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('Renamed Fabrikam to Fabrikam Inc.');
    expect(row('Fabrikam Inc.').exists()).toBe(true);
  });

  it('asks before deleting, saying what happens to the users, and deletes on confirmation', async () => {
    const fake = api();
    await openCompanies(fake);

    await button('Delete', row('Contoso')).trigger('click');
    await settle();
    const confirm = app!.wrapper.get('[role="alertdialog"]');
    expect(confirm.text()).toContain('Delete Contoso? Its 4 users stay in the account, without a company.');
    expect(fake.calls('DeleteCompany')).toHaveLength(0);

    await button('Cancel', confirm).trigger('click');
    await settle();
    expect(app!.wrapper.find('[role="alertdialog"]').exists()).toBe(false);
    expect(fake.calls('DeleteCompany')).toHaveLength(0);

    await button('Delete', row('Contoso')).trigger('click');
    await settle();
    await button('Delete company', app!.wrapper.get('[role="alertdialog"]')).trigger('click');
    await settle();

    expect(fake.calls('DeleteCompany')).toHaveLength(1);
    expect(fake.lastCall('DeleteCompany')!.variables).toEqual({ input: { id: 'c1' } });
    expect(app!.wrapper.find('[role="alertdialog"]').exists()).toBe(false);
    expect(toasts().text()).toContain('Deleted Contoso.');
    await waitFor(() => expect(app!.wrapper.findAll('[data-testid="company-row"]').map((r) => r.find('td').text())).toEqual(['Fabrikam']));
  });

  it('says "more than 1,000" for a company the API stopped counting, in its row and before deleting it', async () => {
    // The API counts each company's users up to 1,000 (1,001 means more), so a huge client costs the page no more.
    const fake = fakeApi({
      Me: () => ({ data: { me: aViewer() } }),
      Companies: () => ({
        data: { companies: aConnection('Company', [company('c1', 'Contoso', 1_001), company('c2', 'Fabrikam', 1_000)]) },
      }),
    });
    await openCompanies(fake);
    expect(row('Contoso').findAll('td')[1]!.text()).toBe('more than 1,000');
    expect(row('Fabrikam').findAll('td')[1]!.text()).toBe('1,000');
    await button('Delete', row('Contoso')).trigger('click');
    await settle();
    expect(app!.wrapper.get('[role="alertdialog"]').text()).toContain(
      'Delete Contoso? Its users (more than 1,000) stay in the account, without a company.',
    );
  });

  it('keeps the confirmation open with the reason when deleting fails', async () => {
    const fake = api({ DeleteCompany: () => graphQLError('INTERNAL_SERVER_ERROR', 'The database is unavailable.') });
    await openCompanies(fake);
    await button('Delete', row('Fabrikam')).trigger('click');
    await settle();
    expect(app!.wrapper.get('[role="alertdialog"]').text()).toContain(
      'Delete Fabrikam? Its 1 user stays in the account, without a company.',
    );
    await button('Delete company', app!.wrapper.get('[role="alertdialog"]')).trigger('click');
    await settle();
    expect(app!.wrapper.get('[role="alertdialog"]').text()).toContain('Could not delete the company: The database is unavailable.');
  });
});
