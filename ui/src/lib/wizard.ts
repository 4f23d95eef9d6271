// The wizard's step machine: which steps exist, what each needs before Next,
// what status each shows in the rail, where a failure sends the user. Plain
// functions over plain data, so they are tested without a window.

import type { Check, Field, FieldError, Profile, Report, SecretStatus, WizardStep } from './bindings';
import { problems, problemsSoFar } from './validation';

export type StepStatus = 'pending' | 'ok' | 'warning' | 'failed';

export interface StepInfo {
  id: WizardStep;
  title: string;
  /** Fields entered on this step, checked by Next. */
  fields: Field[];
  /** Of those, the ones that must be filled in. */
  required: Field[];
}

export const STEPS: StepInfo[] = [
  { id: 'profile', title: 'Profile', fields: ['name', 'authority', 'smtp_host', 'smtp_port', 'ca_file'], required: ['name'] },
  { id: 'app-registration', title: 'App registration', fields: ['tenant', 'client_id'], required: ['tenant', 'client_id'] },
  { id: 'permissions', title: 'API permission and consent', fields: [], required: [] },
  { id: 'secret', title: 'Client secret', fields: ['secret_expires'], required: [] },
  { id: 'service-principal', title: 'Service principal', fields: ['sp_object_id'], required: [] },
  { id: 'powershell', title: 'Exchange PowerShell', fields: ['mailbox', 'sender'], required: ['mailbox'] },
  { id: 'token', title: 'Token', fields: [], required: [] },
  { id: 'test-message', title: 'Test message', fields: ['test_recipient'], required: [] },
  { id: 'review', title: 'Review', fields: [], required: [] },
];

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

/** What the user ticked or learned per profile; saved with the wizard state. */
export interface Progress {
  step: WizardStep;
  visited: WizardStep[];
  permissionAdded: boolean;
  consentGranted: boolean;
  /** App RBAC path: understood that SMTP.SendAsApp must not be added. */
  rbacUnderstood: boolean;
  fullAccess: boolean;
  scriptRan: boolean;
  secret: SecretStatus | null;
  token: Report | null;
  send: Report | null;
}

/** The progress that is a yes/no the user ticks. */
export type ProgressFlag = 'permissionAdded' | 'consentGranted' | 'rbacUnderstood' | 'fullAccess' | 'scriptRan';

export function freshProgress(): Progress {
  return {
    step: 'profile',
    visited: ['profile'],
    permissionAdded: false,
    consentGranted: false,
    rbacUnderstood: false,
    fullAccess: false,
    scriptRan: false,
    secret: null,
    token: null,
    send: null,
  };
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
  };
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
  if (step === 'test-message' && progress.send === null && !profile.test_recipient?.trim()) {
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

/**
 * A check that suggested a value the user has since entered (the token's oid
 * as the object ID, its appid as the client ID) no longer stands.
 */
function resolved(check: Check, profile: Profile): boolean {
  const entered = check.id === 'oid' ? profile.sp_object_id : check.id === 'appid' ? profile.client_id : null;
  return !!check.suggestion && !!entered && entered.trim().toLowerCase() === check.suggestion.toLowerCase();
}

const checkStatus = (c: Check): StepStatus => (c.status === 'fail' ? 'failed' : c.status === 'warn' ? 'warning' : 'ok');

/**
 * A report's outcome as the core computes it (any diagnosis fails it, else
 * its worst check), leaving out the checks the user has since acted on.
 */
function outcome(report: Report | null, profile: Profile): StepStatus {
  if (report === null) return 'pending';
  if (report.diagnosis.length) return 'failed';
  const live = report.checks.filter((c) => !resolved(c, profile)).map(checkStatus);
  return live.includes('failed') ? 'failed' : live.includes('warning') ? 'warning' : 'ok';
}

/** The checks and diagnoses of the last token and send, grouped by the step they point at. */
function findingsByStep(profile: Profile, progress: Progress): Map<WizardStep, StepStatus> {
  const found = new Map<WizardStep, StepStatus>();
  const mark = (step: WizardStep | null, status: StepStatus) => {
    if (step === null) return;
    const current = found.get(step);
    if (current !== 'failed' && !(current === 'warning' && status === 'ok')) found.set(step, status);
  };
  for (const report of [progress.token, progress.send]) {
    if (!report) continue;
    report.checks
      .filter((c) => !resolved(c, profile))
      .forEach((c) => mark(c.step, checkStatus(c)));
    report.diagnosis.forEach((d) => mark(d.step, 'failed'));
  }
  return found;
}

/** The status each step shows in the rail. */
export function stepStatuses(profile: Profile, progress: Progress): Record<WizardStep, StepStatus> {
  const valid = (fields: Field[]) => problems(profile, fields).length === 0;
  const complete: Record<WizardStep, boolean> = {
    profile: valid(['name', 'authority', 'smtp_host', 'smtp_port']),
    'app-registration': valid(['tenant', 'client_id']),
    permissions:
      profile.auth_path === 'app-rbac' ? progress.rbacUnderstood : progress.permissionAdded && progress.consentGranted,
    secret: progress.secret?.stored === true,
    'service-principal': profile.sp_object_id !== null && valid(['sp_object_id']),
    powershell: progress.scriptRan && valid(['mailbox', 'sender']),
    token: false,
    'test-message': false,
    review: false,
  };
  const statuses = {} as Record<WizardStep, StepStatus>;
  const findings = findingsByStep(profile, progress);
  for (const { id } of STEPS) {
    let status: StepStatus = complete[id] ? 'ok' : 'pending';
    if (id === 'token') status = outcome(progress.token, profile);
    if (id === 'test-message') status = outcome(progress.send, profile);
    if (id === 'secret' && status === 'ok' && progress.secret?.warning) status = 'warning';
    const found = findings.get(id);
    if (found === 'failed' || (found === 'warning' && status === 'ok')) status = found;
    statuses[id] = status;
  }
  const before = STEPS.slice(0, -1).map((s) => statuses[s.id]);
  statuses.review = before.every((s) => s === 'ok' || s === 'warning') ? 'ok' : 'pending';
  return statuses;
}

/** The values the sending application needs, for the Review step. */
export interface AppSetting {
  label: string;
  value: string;
}

export function applicationSettings(profile: Profile, progress: Progress, smtpHost: string, scope: string): AppSetting[] {
  const tenantId =
    progress.token?.token?.claims?.tid ?? progress.send?.token?.claims?.tid ?? profile.tenant;
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
