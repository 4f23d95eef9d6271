import { describe, expect, it } from 'vitest';
import type { Summary } from '../src/lib/bindings';
import { upgradeSavedState } from '../src/lib/store.svelte';
import {
  STEPS,
  canJumpTo,
  changedWords,
  daysUntil,
  emptyProfile,
  customers,
  expiryChoices,
  nameFrom,
  expiryWords,
  formatTime,
  freshProgress,
  nextStep,
  previousStep,
  stepProblems,
  stepStatuses,
  visit,
} from '../src/lib/wizard';
import { completeProfile, judgedWith } from './fixtures';

describe('order', () => {
  it('has the nine steps in wizard order', () => {
    expect(STEPS.map((s) => s.id)).toEqual([
      'profile', 'app-registration', 'permissions', 'secret', 'service-principal', 'powershell', 'token', 'test-message', 'finish',
    ]);
    expect(nextStep('profile')).toBe('app-registration');
    expect(nextStep('finish')).toBeNull();
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
    expect(problems.map((x) => x.field)).toEqual(['tenant', 'client_id', 'mailbox']);
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

describe('times and dates', () => {
  const now = new Date(2026, 10, 23, 15, 0);
  it('writes the day when it was not today', () => {
    expect(formatTime(new Date(2026, 10, 23, 14, 2).getTime() / 1000, now)).toBe('14:02');
    expect(formatTime(new Date(2026, 10, 20, 9, 5).getTime() / 1000, now)).toBe('20 Nov 2026 09:05');
    expect(changedWords(['secret'])).toBe('the client secret');
  });
  it('offers the expiry choices Entra offers, counted from today', () => {
    expect(expiryChoices(new Date(2026, 10, 23))).toEqual([
      { label: '90 days (3 months)', date: '2027-02-21' },
      { label: '180 days (6 months)', date: '2027-05-22' },
      { label: '365 days (12 months)', date: '2027-11-23' },
      { label: '545 days (18 months)', date: '2028-05-21' },
      { label: '730 days (24 months)', date: '2028-11-22' },
    ]);
    // days, as the labels say: 2028 has a 29 February
    expect(expiryChoices(new Date(2027, 7, 31))[2].date).toBe('2028-08-30');
  });
  it('makes a file name from a customer\'s name', () => {
    expect(nameFrom('Contoso Ltd, production')).toBe('contoso-ltd-production');
    expect(nameFrom('  Ærø Über-Café  ')).toBe('r-uber-cafe');
    expect(nameFrom('---')).toBe('');
    expect(nameFrom('x'.repeat(70))).toHaveLength(64);
  });
  it('filters customers by any of their names and sorts the worst or the soonest first', () => {
    const c = (name: string, overall: Summary['overall'], days_left: number | null): Summary => ({
      name, title: name.toUpperCase(), overall, days_left, secret_expires: null, tenant: `${name}.onmicrosoft.com`, mailbox: `a@${name}.com`, last_check: null,
    });
    const list = [c('b', 'ready', 5), c('a', 'ready', null), c('c', 'failing', 90), c('d', 'out-of-date', -1)];
    expect(customers(list, '', 'name').map((s) => s.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(customers(list, '', 'state').map((s) => s.name)).toEqual(['c', 'd', 'a', 'b']);
    expect(customers(list, '', 'expiry').map((s) => s.name)).toEqual(['d', 'b', 'c', 'a']);
    expect(customers(list, 'C.ONMICROSOFT', 'name').map((s) => s.name)).toEqual(['c']);
    expect(customers(list, 'a@d', 'name').map((s) => s.name)).toEqual(['d']);
  });
  it('counts the days left, and says them', () => {
    const today = new Date(2026, 10, 23, 23, 59);
    expect(daysUntil('2026-12-23', today)).toBe(30);
    expect(daysUntil('2026-11-20', today)).toBe(-3);
    expect(daysUntil(null, today)).toBeNull();
    expect(daysUntil('23.12.2026', today)).toBeNull();
    expect([expiryWords(30), expiryWords(0), expiryWords(-3), expiryWords(null)]).toEqual([
      'expires in 30 days', 'expires today', 'expired 3 days ago', 'no expiry date',
    ]);
  });
});

it('reads an older wizard.json, where the last step was called review', () => {
  const { state } = upgradeSavedState({
    version: 2,
    current: 'contoso',
    progress: { contoso: { step: 'review', visited: ['profile', 'review'], fullAccess: false, results: {} } },
  });
  expect(state.progress.contoso.step).toBe('finish');
  expect(state.progress.contoso.visited).toEqual(['profile', 'finish']);
});
