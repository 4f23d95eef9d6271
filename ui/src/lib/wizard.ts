// The wizard's step machine: which steps exist, what each needs before Next,
// where a failure sends the user, and how a step's status reads. Whether a
// result still holds is the backend's judgement (`judge`), never decided
// here. Plain functions over plain data, so they are tested without a window.

import {
  FIELD_LABELS,
  STATUS_WORDS,
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
  type Summary,
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
    display_name: null,
    notes: null,
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
    credential: 'secret',
    certificate: null,
    secret_expires: null,
    endpoints_unconfirmed: false,
    cloud_before_import: null,
    created: null,
    consent_redirect_uri: null,
    exchange_admin: null,
    partner_access: false,
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

/** Each step's status, as judged; all pending until the first judgement, and step 1 until the profile exists. */
export function stepStatuses(judged: Judged | null, created = true): Record<WizardStep, StepStatus> {
  const statuses = Object.fromEntries(STEPS.map((s) => [s.id, 'pending'])) as Record<WizardStep, StepStatus>;
  for (const s of judged?.steps ?? []) statuses[s.step] = s.status;
  if (!created) statuses.profile = 'pending';
  return statuses;
}

/** Whether what a step's status rests on was checked by a token or a test message (a solid mark), not entered or stored. */
export function stepsChecked(judged: Judged | null): Record<WizardStep, boolean> {
  const checked = Object.fromEntries(STEPS.map((s) => [s.id, false])) as Record<WizardStep, boolean>;
  for (const s of judged?.steps ?? []) checked[s.step] = s.basis === 'token' || s.basis === 'test-message';
  return checked;
}

export function stepState(judged: Judged | null, step: WizardStep): StepState | null {
  return judged?.steps.find((s) => s.step === step) ?? null;
}

/** The words for each status (StepStatus::words in Rust), for the rail, screen readers and the Finish page. */
export { STATUS_WORDS };

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

/** The user's ticks, per kind. */
export function tickOf(results: Results, evidence: Evidence) {
  return results.ticks.find((t) => t.evidence === evidence) ?? null;
}

/** `2026-12-23` for a date in this computer's time zone. */
export function isoDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * The expiry choices Entra's "Add a client secret" offers, with its own
 * labels, counted from `today` in days as the labels say. Microsoft Learn:
 * "Client secret lifetime is limited to two years (24 months) or less"
 * (Register an application, Add a client secret).
 */
export function expiryChoices(today: Date): { label: string; date: string }[] {
  const days = (n: number) => new Date(today.getFullYear(), today.getMonth(), today.getDate() + n);
  return [
    { label: '90 days (3 months)', date: isoDate(days(90)) },
    { label: '180 days (6 months)', date: isoDate(days(180)) },
    { label: '365 days (12 months)', date: isoDate(days(365)) },
    { label: '545 days (18 months)', date: isoDate(days(545)) },
    { label: '730 days (24 months)', date: isoDate(days(730)) },
  ];
}

/** Whole days from `today` to `date` (`YYYY-MM-DD`); negative once passed; null for no valid date. */
export function daysUntil(date: string | null, today: Date): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? '');
  if (!m) return null;
  const then = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const now = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((then - now) / 86_400_000);
}

/** "expires in 30 days", "expired 3 days ago", "no expiry date". */
export function expiryWords(daysLeft: number | null): string {
  if (daysLeft === null) return 'no expiry date';
  if (daysLeft === 0) return 'expires today';
  if (daysLeft === 1) return 'expires tomorrow';
  if (daysLeft > 0) return `expires in ${daysLeft} days`;
  return daysLeft === -1 ? 'expired yesterday' : `expired ${-daysLeft} days ago`;
}

/** How the customers home orders its table. */
export type CustomerOrder = 'name' | 'expiry' | 'state';

/** Worst first: what needs the admin comes to the top. */
const STATE_ORDER: Record<Summary['overall'], number> = { failing: 0, 'out-of-date': 1, 'in-progress': 2, ready: 3 };

/**
 * The customers whose name, display name, tenant or mailbox contains
 * `filter` (any case), in `order`: by name; soonest expiry first (expired
 * ones first of all, none entered last); or worst state first. Ties go by name.
 */
export function customers(list: Summary[], filter: string, order: CustomerOrder): Summary[] {
  const wanted = filter.trim().toLowerCase();
  const shown = wanted
    ? list.filter((s) => [s.name, s.title, s.tenant, s.mailbox].some((v) => v.toLowerCase().includes(wanted)))
    : [...list];
  const byName = (a: Summary, b: Summary) => a.name.localeCompare(b.name);
  const key = (s: Summary) =>
    order === 'expiry' ? (s.days_left ?? Number.POSITIVE_INFINITY) : order === 'state' ? STATE_ORDER[s.overall] : 0;
  return shown.sort((a, b) => key(a) - key(b) || byName(a, b));
}

/** A file name for a customer: "Contoso Ltd, production" becomes contoso-ltd-production. */
export function nameFrom(customer: string): string {
  return customer
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}
