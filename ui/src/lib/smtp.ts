// How an SMTP dialogue ended, read off the one outcome the backend gives
// (`SmtpOutcome`): the same words in every place that shows it.

import type { Reply, SmtpReport } from './bindings';

/** The token was accepted (`235` to AUTH). */
export function signedIn(smtp: SmtpReport | null | undefined): boolean {
  if (!smtp) return false;
  const o = smtp.outcome;
  return o.kind !== 'failed' || o.stage === 'send';
}

export function delivered(smtp: SmtpReport | null | undefined): boolean {
  return smtp?.outcome.kind === 'delivered';
}

/** Only authentication was asked for: SendAs was not exercised. */
export function signInOnly(smtp: SmtpReport | null | undefined): boolean {
  if (!smtp) return false;
  const o = smtp.outcome;
  return o.kind === 'signed-in' || (o.kind === 'failed' && o.sign_in_only);
}

/** The reply that settled it: to the message, to AUTH, or the refusal; never a positive reply as a failure's reason. */
export function settlingReply(smtp: SmtpReport | null | undefined): Reply | null {
  if (!smtp) return null;
  const o = smtp.outcome;
  if (o.kind === 'delivered' || o.kind === 'signed-in') return o.reply;
  return o.failure.kind === 'rejected' ? o.failure.reply : null;
}

/** `554 5.2.252 SendAsDenied; …` (its first line). */
export function replyWords(reply: Reply): string {
  return [String(reply.code), reply.enhanced, reply.text.split('\n')[0]].filter(Boolean).join(' ');
}

/** Why it stopped, in words: the refusal, else what failed; null when it did not stop. */
export function stopWords(smtp: SmtpReport | null | undefined): string | null {
  if (!smtp || smtp.outcome.kind !== 'failed') return null;
  const reply = settlingReply(smtp);
  return reply ? replyWords(reply) : smtp.outcome.message;
}
