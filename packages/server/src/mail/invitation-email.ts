export interface InvitationEmailInput {
  mspName: string;
  /** Who sent the invitation (null when an integration or the system did): named in the text and as the contact. */
  inviterName: string | null;
  inviterEmail?: string | null;
  /** The name the account knows for the invitee, if any: the greeting uses it. */
  inviteeName: string | null;
  acceptUrl: string;
  expiresAt: Date;
  /** An automatic reminder of a pending invitation (same expiry, a new link): said in the subject and the text. */
  reminder?: boolean;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// One formatter for every email: building one per call costs more than the rest of the rendering.
const dateFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const formatDate = (date: Date) => dateFormat.format(date);

/** Whom to ask about the invitation: the person who sent it (name and address), else the account's administrators. */
function contactLine(inviterName: string | null, inviterEmail: string | null, mspName: string): string {
  if (inviterName && inviterEmail && inviterName !== inviterEmail)
    return `Questions about this invitation? Contact ${inviterName} at ${inviterEmail}.`;
  if (inviterEmail) return `Questions about this invitation? Contact ${inviterEmail}.`;
  if (inviterName) return `Questions about this invitation? Contact ${inviterName} at ${mspName}.`;
  return `Questions about this invitation? Contact your administrator at ${mspName}.`;
}

/** The invitation email, in HTML and plain text. Names come from users, so everything is escaped. */
export function renderInvitationEmail(input: InvitationEmailInput): { subject: string; html: string; text: string } {
  const inviteeName = input.inviteeName?.trim() || null;
  const inviterEmail = input.inviterEmail?.trim() || null;
  const inviterName = input.inviterName?.trim() || inviterEmail;
  const who = inviterName ? `${inviterName} has invited you` : 'You have been invited';
  const subject = `${input.reminder ? 'Reminder: ' : ''}${inviterName ?? input.mspName} invited you to join ${input.mspName} on Roster`;
  const greeting = inviteeName ? `Hello ${inviteeName},` : 'Hello,';
  const contact = contactLine(input.inviterName?.trim() || null, inviterEmail, input.mspName);
  const expiry = formatDate(input.expiresAt);
  const reminder = input.reminder
    ? `A reminder: your invitation is still waiting and ends on ${expiry}. Earlier links no longer work.`
    : null;
  const text = [
    greeting,
    '',
    `${who} to join ${input.mspName} on Roster.`,
    '',
    ...(reminder ? [reminder, ''] : []),
    `Accept the invitation: ${input.acceptUrl}`,
    '',
    `This link works until ${expiry} (UTC) and can be used once.`,
    '',
    contact,
    "If you weren't expecting this invitation, you can ignore this email.",
  ].join('\n');
  const html = `<!doctype html>
<html><body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2937">
<table role="presentation" width="100%" style="max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:32px">
<tr><td>
<p style="margin:0 0 16px">${escapeHtml(greeting)}</p>
<p style="margin:0 0 24px">${escapeHtml(who)} to join <strong>${escapeHtml(input.mspName)}</strong> on Roster.</p>
${reminder ? `<p style="margin:0 0 24px">${escapeHtml(reminder)}</p>\n` : ''}<p style="margin:0 0 24px"><a href="${escapeHtml(input.acceptUrl)}" style="display:inline-block;background:#2563eb;color:#fff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600">Accept invitation</a></p>
<p style="margin:0 0 8px;font-size:14px;color:#4b5563">This link works until ${escapeHtml(expiry)} (UTC) and can be used once.</p>
<p style="margin:0;font-size:14px;color:#4b5563">Or paste this address into your browser: <br><span style="word-break:break-all">${escapeHtml(input.acceptUrl)}</span></p>
<p style="margin:24px 0 0;font-size:14px;color:#4b5563">${escapeHtml(contact)}</p>
<p style="margin:24px 0 0;font-size:12px;color:#9ca3af">If you weren't expecting this invitation, you can ignore this email.</p>
</td></tr></table></body></html>`;
  return { subject, html, text };
}
