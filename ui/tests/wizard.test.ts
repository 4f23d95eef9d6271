import { describe, expect, it } from 'vitest';
import type { Check, Diagnosis, Report } from '../src/lib/bindings';
import {
  STEPS,
  applicationSettings,
  canJumpTo,
  emptyProfile,
  freshProgress,
  nextStep,
  previousStep,
  stepProblems,
  stepStatuses,
  visit,
} from '../src/lib/wizard';
import { completeProfile } from './fixtures';

function report(outcome: Report['outcome'], checks: Check[] = [], diagnosis: Diagnosis[] = []): Report {
  return { profile: 'contoso', token: null, checks, smtp: null, diagnosis, outcome };
}

const check = (id: Check['id'], status: Check['status'], step: Check['step'] = null): Check => ({
  id, status, message: 'm', step, suggestion: null,
});

describe('order', () => {
  it('has the nine steps in wizard order', () => {
    expect(STEPS.map((s) => s.id)).toEqual([
      'profile', 'app-registration', 'permissions', 'secret', 'service-principal', 'powershell', 'token', 'test-message', 'review',
    ]);
    expect(nextStep('profile')).toBe('app-registration');
    expect(nextStep('review')).toBeNull();
    expect(previousStep('profile')).toBeNull();
    expect(previousStep('token')).toBe('powershell');
  });

  it('lets the user jump back to visited steps only', () => {
    let p = freshProgress();
    expect(canJumpTo(p, 'token')).toBe(false);
    p = visit(visit(p, 'app-registration'), 'permissions');
    expect(p.step).toBe('permissions');
    expect(canJumpTo(p, 'app-registration')).toBe(true);
    p = visit(p, 'profile');
    expect(canJumpTo(p, 'permissions')).toBe(true);
    expect(p.visited).toEqual(['profile', 'app-registration', 'permissions']);
  });
});

describe('Next', () => {
  it('asks for what the step needs, with the message to act on', () => {
    const p = emptyProfile('contoso');
    const problems = stepProblems('app-registration', p, freshProgress());
    expect(problems.map((x) => x.field)).toEqual(['tenant', 'client_id']);
    expect(problems[0].message).toBe('tenant must be a directory GUID or a domain such as contoso.onmicrosoft.com');
  });
  it('passes a complete step', () => {
    expect(stepProblems('app-registration', completeProfile, freshProgress())).toEqual([]);
    expect(stepProblems('permissions', completeProfile, freshProgress())).toEqual([]);
  });
  it('rejects a wrong optional value', () => {
    const p = { ...completeProfile, sp_object_id: completeProfile.client_id };
    expect(stepProblems('service-principal', p, freshProgress())[0].message).toContain('that is the Application (client) ID');
  });
  it('needs a recipient before a test message', () => {
    const p = { ...completeProfile, test_recipient: null };
    expect(stepProblems('test-message', p, freshProgress())[0].field).toBe('test_recipient');
  });
});

describe('rail statuses', () => {
  it('starts pending and turns ok as steps are completed', () => {
    const fresh = stepStatuses(emptyProfile(''), freshProgress());
    expect(Object.values(fresh).every((s) => s === 'pending')).toBe(true);
    const progress = {
      ...freshProgress(),
      permissionAdded: true,
      consentGranted: true,
      scriptRan: true,
      secret: { store: 'Secret Service', account: 'a', stored: true, warning: null },
      token: report('ok'),
      send: report('ok'),
    };
    const all = stepStatuses(completeProfile, progress);
    expect(all).toEqual({
      profile: 'ok', 'app-registration': 'ok', permissions: 'ok', secret: 'ok', 'service-principal': 'ok',
      powershell: 'ok', token: 'ok', 'test-message': 'ok', review: 'ok',
    });
  });

  it('App RBAC needs the acknowledgement instead of the checklist', () => {
    const rbac = { ...completeProfile, auth_path: 'app-rbac' as const };
    expect(stepStatuses(rbac, freshProgress()).permissions).toBe('pending');
    expect(stepStatuses(rbac, { ...freshProgress(), rbacUnderstood: true }).permissions).toBe('ok');
  });

  it('marks the step a failed check or a diagnosis points at', () => {
    const progress = {
      ...freshProgress(),
      permissionAdded: true,
      consentGranted: true,
      token: report('fail', [check('roles', 'fail', 'permissions'), check('oid', 'warn', 'service-principal')]),
      send: report('fail', [], [
        { code: '554 5.2.252', title: 'SendAs denied', cause: 'c', fix: 'f', step: 'powershell', command: null },
      ]),
    };
    const s = stepStatuses(completeProfile, { ...progress, scriptRan: true });
    expect(s.permissions).toBe('failed');
    expect(s['service-principal']).toBe('warning');
    expect(s.powershell).toBe('failed');
    expect(s.token).toBe('failed');
    expect(s['test-message']).toBe('failed');
    expect(s.review).toBe('pending');
  });

  it('forgets a finding once its suggestion is entered', () => {
    const oid = { ...check('oid', 'fail', 'service-principal'), suggestion: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f' };
    const progress = { ...freshProgress(), token: report('fail', [oid]) };
    const appObjectId = '11111111-2222-4333-8444-555555555555';
    const wrong = stepStatuses({ ...completeProfile, sp_object_id: appObjectId }, progress);
    expect(wrong['service-principal']).toBe('failed');
    expect(wrong.token).toBe('failed');
    const entered = stepStatuses(completeProfile, progress);
    expect(entered['service-principal']).toBe('ok');
    expect(entered.token).toBe('ok');
  });

  it('warns about a secret saved with a warning', () => {
    const progress = { ...freshProgress(), secret: { store: 'S', account: 'a', stored: true, warning: 'looks like the Secret ID' } };
    expect(stepStatuses(completeProfile, progress).secret).toBe('warning');
  });
});

it('lists the settings for the sending application, with the tenant GUID from the token', () => {
  const progress = {
    ...freshProgress(),
    token: {
      ...report('ok'),
      token: {
        endpoint: 'e', decoded_not_verified: true, expires_in: 3599, error: null,
        claims: { aud: null, iss: null, tid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', oid: null, appid: null, azp: null,
          app_displayname: null, roles: null, exp: null, iat: null, nbf: null, ver: null, idtyp: null },
      },
    },
  };
  const settings = Object.fromEntries(
    applicationSettings(completeProfile, progress, 'smtp.office365.com', 'https://outlook.office365.com/.default').map((s) => [s.label, s.value]),
  );
  expect(settings['SMTP host']).toBe('smtp.office365.com');
  expect(settings['Port']).toBe('587');
  expect(settings['Username']).toBe('noreply@contoso.com');
  expect(settings['Tenant ID']).toBe('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
  expect(settings['Scope']).toBe('https://outlook.office365.com/.default');
  expect(settings['Authentication']).toContain('XOAUTH2');
});
