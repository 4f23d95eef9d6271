// Values shared by the frontend's tests.
import type { Profile } from '../src/lib/bindings';
import { emptyProfile } from '../src/lib/wizard';

/** A profile with every step's fields filled in. */
export const completeProfile: Profile = {
  ...emptyProfile('contoso'),
  tenant: 'contoso.onmicrosoft.com',
  client_id: '0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a',
  sp_object_id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  mailbox: 'noreply@contoso.com',
  test_recipient: 'admin@contoso.com',
};
