// The wizard's step machine: which steps exist, what each needs before Next,
// where a failure sends the user, and how a step's status reads. Whether a
// result still holds is the backend's judgement (`judge`), never decided
// here. Plain functions over plain data, so they are tested without a window.

import {
  FIELD_LABELS,
  STEPS,
  type Evidence,
  type Field,
  type FieldError,
  type Judged,
  type Profile,
  type Results,
  type StepInfo,
  type StepState,
  type StepStatus,
  type WizardStep,
} from './bindings';
import { problems, problemsSoFar } from './validation';

/** The steps in order, with their titles and fields: `WizardStep` in Rust, through the bindings. */
export { STEPS };

export function stepInfo(id: WizardStep): StepInfo {
  return STEPS.find((s) => s.id === id) ?? STEPS[0];
}

export function stepNumber(id: WizardStep): number {
  return STEPS.findIndex((s) => s.id === id) + 1;
}

export function nextStep(id: WizardStep): WizardStep | null {
  const i = STEPS.findIndex((s) => s.id === id);
  return i >= 0 && i < STEPS.length - 1 ? STEPS[i + 1].id : null;
}

export function previousStep(id: WizardStep): WizardStep | null {
  const i = STEPS.findIndex((s) => s.id === id);
  return i > 0 ? STEPS[i - 1].id : null;
}

/** Where the user is in one profile, and what was found or said: saved in wizard.json. */
export interface Progress {
  step: WizardStep;
  visited: WizardStep[];
  /** Whether the script also grants FullAccess (a choice, not a result). */
  fullAccess: boolean;
  results: Results;
}

export function freshResults(): Results {
  return { secret: null, ticks: [], token: null, send: null };
}

export function freshProgress(): Progress {
  return { step: 'profile', visited: ['profile'], fullAccess: false, results: freshResults() };
}

export function emptyProfile(name = ''): Profile {
  return {
    name,
    cloud: 'global',
    tenant: '',
    client_id: '',
    sp_object_id: null,
    mailbox: '',
    sender: null,
    test_recipient: null,
    smtp_host: null,
    smtp_port: null,
    authority: null,
    ca_file: null,
    auth_path: 'entra-permission',
    secret_expires: null,
    endpoints_unconfirmed: false,
  };
}

/** The id of a field's input, for focusing the first one in error. */
export function fieldId(field: Field): string {
  return `field-${field.replaceAll('_', '-')}`;
}

/**
 * The problems that keep the user on a step when they press Next: any wrong
 * value on it, and its required fields left empty.
 */
export function stepProblems(step: WizardStep, profile: Profile, progress: Progress): FieldError[] {
  const info = stepInfo(step);
  const wrong = problemsSoFar(profile, info.fields);
  const missing = problems(profile, info.required).filter((p) => !wrong.some((w) => w.field === p.field));
  const all = [...wrong, ...missing];
  if (step === 'test-message' && progress.results.send === null && !profile.test_recipient?.trim()) {
    // a recipient is needed to send; asked for here rather than on Review
    all.push({ field: 'test_recipient', message: 'test recipient must be an email address such as you@contoso.com' });
  }
  return all;
}

/** Moves to `target` and remembers it as visited. */
export function visit(progress: Progress, target: WizardStep): Progress {
  const visited = progress.visited.includes(target) ? progress.visited : [...progress.visited, target];
  return { ...progress, step: target, visited };
}

/** The rail lets the user jump to any step already visited. */
export function canJumpTo(progress: Progress, target: WizardStep): boolean {
  return progress.visited.includes(target);
}

/** Each step's status, as judged; all pending until the first judgement. */
export function stepStatuses(judged: Judged | null): Record<WizardStep, StepStatus> {
  const statuses = Object.fromEntries(STEPS.map((s) => [s.id, 'pending'])) as Record<WizardStep, StepStatus>;
  for (const s of judged?.steps ?? []) statuses[s.step] = s.status;
  return statuses;
}

export function stepState(judged: Judged | null, step: WizardStep): StepState | null {
  return judged?.steps.find((s) => s.step === step) ?? null;
}

/** The rail's words for each status, for screen readers and the Review page. */
export const STATUS_WORDS: Record<StepStatus, string> = {
  pending: 'not done yet',
  claimed: 'you said so, not verified',
  ok: 'done',
  warning: 'done, with a warning',
  failed: 'needs attention',
  stale: 'out of date',
};

/** `14:02` today, `23 Nov 2026 14:02` another day, in this computer's time. */
export function formatTime(at: number, now: Date = new Date()): string {
  const d = new Date(at * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  if (sameDay) return clock;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  return `${d.getDate()} ${month} ${d.getFullYear()} ${clock}`;
}

/** "the tenant and the client ID" */
export function changedWords(fields: Field[]): string {
  const names = fields.map((f) => `the ${FIELD_LABELS[f]}`);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** One sentence on what a step's status rests on: "verified by the token fetched at 14:02". */
export function describeState(state: StepState | null, now: Date = new Date()): string {
  if (!state) return '';
  const at = state.at === null ? '' : ` at ${formatTime(state.at, now)}`;
  if (state.status === 'stale') {
    const what = state.basis === 'you-said-so' ? 'you said so' : state.basis === 'token' ? 'the token' : state.basis === 'test-message' ? 'the test message' : 'the last check';
    return `Out of date: ${changedWords(state.changed)} changed since ${what}${at}`;
  }
  const source: Record<StepState['basis'], string> = {
    nothing: '',
    entered: 'Entered; not verified yet',
    'you-said-so': `You said so${at}; not verified yet`,
    keychain: `Checked in the keychain${at}`,
    token: `by the token fetched${at}`,
    'test-message': `by the test message sent${at}`,
  };
  switch (state.status) {
    case 'ok':
      return state.basis === 'token' || state.basis === 'test-message' ? `Verified ${source[state.basis]}` : source[state.basis];
    case 'failed':
    case 'warning':
      return state.basis === 'token' || state.basis === 'test-message' ? `Found ${source[state.basis]}` : source[state.basis];
    default:
      return source[state.basis];
  }
}

/** The user's ticks, per kind. */
export function tickOf(results: Results, evidence: Evidence) {
  return results.ticks.find((t) => t.evidence === evidence) ?? null;
}

/** The values the sending application needs, for the Review step. */
export interface AppSetting {
  label: string;
  value: string;
}

export function applicationSettings(profile: Profile, judged: Judged | null, smtpHost: string, scope: string): AppSetting[] {
  // The directory GUID from a token that still holds for this profile.
  const fresh = [judged?.token, judged?.send].filter((r) => r && r.changed.length === 0);
  const tenantId = fresh.map((r) => r?.report.token?.claims?.tid).find((t) => !!t) ?? profile.tenant;
  const authority = (profile.authority ?? '').trim() || null;
  return [
    { label: 'SMTP host', value: profile.smtp_host ?? smtpHost },
    { label: 'Port', value: String(profile.smtp_port ?? 587) },
    { label: 'Security', value: 'STARTTLS (TLS 1.2 or newer)' },
    { label: 'Authentication', value: 'OAuth 2.0 client credentials (SASL XOAUTH2)' },
    { label: 'Username', value: profile.mailbox },
    { label: 'Sender (From)', value: profile.sender ?? profile.mailbox },
    { label: 'Client ID', value: profile.client_id },
    { label: 'Tenant ID', value: tenantId },
    { label: 'Scope', value: scope },
    ...(authority ? [{ label: 'Authority', value: authority }] : []),
  ];
}
