import { describe, expect, it } from 'vitest';
import { renderInvitationEmail, type InvitationEmailInput } from './invitation-email.js';

const base: InvitationEmailInput = {
  mspName: 'Northwind MSP',
  inviterName: 'Olivia Owner',
  inviterEmail: 'olivia@northwind-msp.example',
  inviteeName: 'Nina Newman',
  acceptUrl: 'https://roster.example/invitations/tok-123',
  expiresAt: new Date('2026-12-16T12:00:00Z'),
};

describe('the invitation email', () => {
  it('greets the person by the name the account knows and says whom to contact: the inviter, by name and address', () => {
    const email = renderInvitationEmail(base);
    expect(email.text.split('\n')[0]).toBe('Hello Nina Newman,');
    expect(email.text).toContain('Olivia Owner has invited you to join Northwind MSP on Roster.');
    expect(email.text).toContain('Questions about this invitation? Contact Olivia Owner at olivia@northwind-msp.example.');
    expect(email.html).toContain('<p style="margin:0 0 16px">Hello Nina Newman,</p>');
    expect(email.html).toContain('Questions about this invitation? Contact Olivia Owner at olivia@northwind-msp.example.');
  });

  it('says a plain hello when no name is known (or only blanks), never "Hello null"', () => {
    for (const inviteeName of [null, '   ']) {
      const email = renderInvitationEmail({ ...base, inviteeName });
      expect(email.text.split('\n')[0]).toBe('Hello,');
      expect(email.text).not.toMatch(/null|undefined/);
    }
  });

  it("names the inviter's address when they have no name, and the account when nobody sent it (an integration)", () => {
    const byAddress = renderInvitationEmail({ ...base, inviterName: null });
    expect(byAddress.subject).toBe('olivia@northwind-msp.example invited you to join Northwind MSP on Roster');
    expect(byAddress.text).toContain('Questions about this invitation? Contact olivia@northwind-msp.example.');

    const byIntegration = renderInvitationEmail({ ...base, inviterName: null, inviterEmail: null });
    expect(byIntegration.text).toContain('You have been invited to join Northwind MSP on Roster.');
    expect(byIntegration.text).toContain('Questions about this invitation? Contact your administrator at Northwind MSP.');
  });

  it('escapes names in the HTML', () => {
    const email = renderInvitationEmail({ ...base, inviteeName: '<b>Nina</b>', inviterName: 'Olivia & Co' });
    expect(email.html).toContain('Hello &lt;b&gt;Nina&lt;/b&gt;,');
    expect(email.html).toContain('Contact Olivia &amp; Co at olivia@northwind-msp.example.');
    expect(email.html).not.toContain('<b>Nina</b>');
  });
});
