// Values shared by the frontend's tests.
import type { Check, Diagnosis, Judged, Report, StepStatus, WizardStep } from '../src/lib/bindings';
import { STEPS, emptyProfile } from '../src/lib/wizard';

/** A profile with every step's fields filled in. */
export const completeProfile = {
  ...emptyProfile('contoso'),
  tenant: 'contoso.onmicrosoft.com',
  client_id: '0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a',
  sp_object_id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  mailbox: 'noreply@contoso.com',
  test_recipient: 'admin@contoso.com',
};

/** Unix seconds of 14:02 today, here: results from today show as a time of day. */
export const AT = (() => {
  const d = new Date();
  d.setHours(14, 2, 0, 0);
  return d.getTime() / 1000;
})();

export function report(outcome: Report['outcome'], checks: Check[] = [], diagnosis: Diagnosis[] = []): Report {
  return {
    profile: 'contoso', token: null, checks, smtp: null, diagnosis, outcome,
    obtained: { evidence: 'token', at: AT, inputs: [] },
  };
}

/** A judgement with the given step statuses (the rest pending). */
export function judgedWith(statuses: Partial<Record<WizardStep, StepStatus>>, extra: Partial<Judged> = {}): Judged {
  return {
    steps: STEPS.map((s) => ({ step: s.id, status: statuses[s.id] ?? 'pending', basis: 'nothing', at: null, changed: [], said: '' })),
    overall: 'in-progress',
    token: null,
    send: null,
    ticks: [],
    secret_changed: [],
    endpoints_to_confirm: [],
    ...extra,
  };
}
