// The same table the Rust core is tested with: both implementations of the
// field rules must agree on every case.
import { describe, expect, it } from 'vitest';
import cases from '../../tests/fixtures/validation-cases.json';
import type { Field, Profile } from '../src/lib/bindings';
import { fieldProblem, looksLikeSecretId, normalized, problemsSoFar } from '../src/lib/validation';
import { emptyProfile } from '../src/lib/wizard';
import { completeProfile } from './fixtures';

describe('field rules shared with the Rust core', () => {
  const checked = (cases as { field: Field; value: unknown; ok: boolean; message_contains?: string; with?: Partial<Profile> }[])
    // Only the backend can read the CA file.
    .filter((c) => c.field !== 'ca_file');
  it('covers the table', () => expect(checked.length).toBeGreaterThan(40));
  for (const c of checked) {
    it(`${c.field} = ${JSON.stringify(c.value)} is ${c.ok ? 'valid' : 'invalid'}`, () => {
      const profile = normalized({ ...completeProfile, [c.field]: c.value, ...(c.with ?? {}) } as Profile);
      const problem = fieldProblem(profile, c.field);
      expect(problem === null).toBe(c.ok);
      if (problem !== null && c.message_contains) expect(problem).toContain(c.message_contains);
    });
  }
});

describe('values entered so far', () => {
  it('does not call empty required fields wrong yet', () => {
    expect(problemsSoFar(emptyProfile('fabrikam'), ['tenant', 'client_id', 'mailbox'])).toEqual([]);
  });
  it('does call a wrong value wrong', () => {
    const p = { ...emptyProfile('fabrikam'), tenant: 'fabrikam' };
    expect(problemsSoFar(p, ['tenant'])[0].message).toContain('tenant must be a directory GUID');
  });
});

it('recognises a pasted Secret ID', () => {
  expect(looksLikeSecretId(' 3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d ')).toBe(true);
  expect(looksLikeSecretId('Xy18Q~lookalike.SECRET_value')).toBe(false);
});
