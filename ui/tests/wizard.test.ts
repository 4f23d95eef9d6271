import { describe, expect, it } from 'vitest';
import type { Judged, Report, StepState } from '../src/lib/bindings';
import {
  STEPS,
  applicationSettings,
  canJumpTo,
  changedWords,
  describeState,
  emptyProfile,
  formatTime,
  freshProgress,
  nextStep,
  previousStep,
  stepProblems,
  stepStatuses,
  visit,
} from '../src/lib/wizard';
import { completeProfile, judgedWith, report } from './fixtures';

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

describe('step statuses come from the backend\'s judgement', () => {
  it('are all pending before the first judgement', () => {
    expect(Object.values(stepStatuses(null)).every((s) => s === 'pending')).toBe(true);
  });
  it('are what the judgement says, step by step', () => {
    const statuses = stepStatuses(judgedWith({ permissions: 'claimed', token: 'stale', 'test-message': 'ok' }));
    expect(statuses.permissions).toBe('claimed');
    expect(statuses.token).toBe('stale');
    expect(statuses.secret).toBe('pending');
  });
});

describe('what a status rests on, in words', () => {
  const now = new Date(2026, 10, 23, 15, 0);
  const at = (h: number, m: number) => new Date(2026, 10, 23, h, m).getTime() / 1000;
  const state = (s: Partial<StepState>): StepState => ({ step: 'permissions', status: 'ok', basis: 'token', at: at(14, 2), changed: [], ...s });
  it('says which check verified a step, and when', () => {
    expect(describeState(state({}), now)).toBe('Verified by the token fetched at 14:02');
    expect(describeState(state({ basis: 'test-message' }), now)).toBe('Verified by the test message sent at 14:02');
  });
  it('tells the user\'s word from a verified result', () => {
    expect(describeState(state({ status: 'claimed', basis: 'you-said-so' }), now)).toBe('You said so at 14:02; not verified yet');
    expect(describeState(state({ status: 'claimed', basis: 'entered', at: null }), now)).toBe('Entered; not verified yet');
  });
  it('names what changed when a result is out of date', () => {
    expect(describeState(state({ status: 'stale', changed: ['tenant', 'client_id'] }), now)).toBe(
      'Out of date: the tenant and the client ID changed since the token at 14:02',
    );
  });
  it('writes the day when it was not today', () => {
    expect(formatTime(new Date(2026, 10, 20, 9, 5).getTime() / 1000, now)).toBe('20 Nov 2026 09:05');
    expect(changedWords(['secret'])).toBe('the client secret');
  });
});

it('lists the settings for the sending application, with the tenant GUID from a token that still holds', () => {
  const tokenReport: Report = {
    ...report('ok'),
    token: {
      endpoint: 'e', decoded_not_verified: true, expires_in: 3599, error: null, entra: null,
      claims: { aud: null, iss: null, tid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', oid: null, appid: null, azp: null,
        app_displayname: null, roles: null, exp: null, iat: null, nbf: null, ver: null, idtyp: null },
    },
  };
  const fresh = judgedWith({}, { token: { report: tokenReport, changed: [] } });
  const settings = (j: Judged) =>
    Object.fromEntries(applicationSettings(completeProfile, j, 'smtp.office365.com', 'https://outlook.office365.com/.default').map((s) => [s.label, s.value]));
  expect(settings(fresh)['SMTP host']).toBe('smtp.office365.com');
  expect(settings(fresh)['Port']).toBe('587');
  expect(settings(fresh)['Username']).toBe('noreply@contoso.com');
  expect(settings(fresh)['Tenant ID']).toBe('9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d');
  expect(settings(fresh)['Scope']).toBe('https://outlook.office365.com/.default');
  expect(settings(fresh)['Authentication']).toContain('XOAUTH2');
  // a token for another tenant tells nothing about this one
  const stale = judgedWith({}, { token: { report: tokenReport, changed: ['tenant'] } });
  expect(settings(stale)['Tenant ID']).toBe(completeProfile.tenant);
});
