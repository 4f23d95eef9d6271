// The App against a mocked backend (mockIPC): what the user sees after each
// action, and what the frontend asks the backend. Whether a result still
// holds is the backend's judgement; here the mock's `judge` says so.
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../src/App.svelte';
import { COMMANDS, type Commands, type Judged, type CloudInfo, type Explanation, type Handover, type Summary, type Profile, type Report, type Results, type SecretStatus, type StepStatus, type WizardStep } from '../src/lib/bindings';
import { expiryChoices, freshProgress, freshResults } from '../src/lib/wizard';
import { AT, completeProfile, judgedWith, report } from './fixtures';

const profile: Profile = completeProfile;

const clouds: CloudInfo[] = [
  { id: 'global', title: 'Global (and GCC)', authority: 'https://login.microsoftonline.com', scope: 'https://outlook.office365.com/.default', smtp_host: 'smtp.office365.com', portal: 'https://entra.microsoft.com', certain: true, app_rbac: true },
];

const storedSecret: SecretStatus = {
  store: 'Secret Service', account: profile.client_id, stored: true, fingerprint: 'f1', warning: null,
  recorded: { evidence: 'secret', at: AT, inputs: [{ field: 'client_id', value: profile.client_id }] },
};

/** A mocked command: the contract's arguments in, its result out (or a thrown CommandError). */
type Handler<C extends keyof Commands> = (args: Commands[C]['args']) => Commands[C]['result'] | Promise<Commands[C]['result']>;
type Handlers = { [C in keyof Commands]?: Handler<C> };
let calls: { cmd: string; args: Record<string, unknown> }[];
/** What the backend's store of results holds for contoso (`savedAt` puts it there). */
let stored: Results;
let target: HTMLElement;
let app: ReturnType<typeof mount>;

/** The mock's judgement: the given statuses, and the reports passed in, held unless `stale`. */
function judging(statuses: Partial<Record<WizardStep, StepStatus>> = {}, stale: Judged['steps'][number]['changed'] = []): Handler<'judge'> {
  return (a) => {
    const results = a.results;
    const judged = (r: Report | null) => (r ? { report: r, changed: stale } : null);
    return judgedWith(statuses, { token: judged(results.token), send: judged(results.send) });
  };
}

function backend(state: unknown, extra: Handlers = {}) {
  const handlers: Handlers = {
    clouds: () => clouds,
    profiles_list: () => (state ? ['contoso'] : []),
    profile_load: () => profile,
    profile_create: (a) => a.profile,
    profile_save: (a) => a.profile,
    wizard_state_load: () => state,
    wizard_state_save: () => null,
    secret_status: () => storedSecret,
    judge: judging(),
    results_load: () => structuredClone(stored),
    record: (a) => {
      const ticks = stored.ticks.filter((t) => t.evidence !== a.evidence);
      stored = { ...stored, ticks: a.on ? [...ticks, { evidence: a.evidence, at: AT, inputs: [] }] : ticks };
      return stored.ticks;
    },
    profiles_overview: () => [],
    admin_consent_url: () => `https://login.microsoftonline.com/contoso.onmicrosoft.com/adminconsent?client_id=${profile.client_id}`,
    powershell_script: () => ({ auth_path: 'entra-permission', commands: [{ why: 'Sign in', code: 'Connect-ExchangeOnline' }], add_recipient_permission: ["Add-RecipientPermission -Identity 'noreply@contoso.com'"] }),
    ...extra,
  };
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    if (!(COMMANDS as readonly string[]).includes(cmd)) throw new Error(`${cmd} is not a command of src-tauri/contract.rs`);
    const handler = handlers[cmd as keyof Commands] as ((a: unknown) => unknown) | undefined;
    if (!handler) throw new Error(`unexpected command ${cmd}`);
    const result = handler(args ?? {});
    // like the backend, the checks keep their report in the store of results
    const kept = ({ fetch_token: 'token', check_sign_in: 'token', send_test: 'send' } as const)[cmd as string];
    if (!kept) return result;
    return Promise.resolve(result).then((report) => {
      stored = { ...stored, [kept]: report as Report };
      return report;
    });
  });
}

const VISITED: WizardStep[] = ['profile', 'app-registration', 'permissions', 'secret', 'service-principal', 'powershell', 'token', 'test-message', 'finish'];

/** wizard.json of a user at `step` of contoso, whose store of results holds `results`. */
function savedAt(step: string, results: Partial<Results> = {}) {
  stored = { ...freshResults(), ...results };
  return { version: 3, current: 'contoso', progress: { contoso: { step, visited: VISITED, fullAccess: false } } };
}

async function settle() {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
  }
}

/** Lets the 250 ms save debounce run. */
async function afterSave() {
  await new Promise((r) => setTimeout(r, 300));
  await settle();
}

const text = () => target.textContent ?? '';
const button = (label: string) =>
  [...target.querySelectorAll('button')].find((b) => b.textContent?.trim().startsWith(label)) as HTMLButtonElement;
const typeInto = (selector: string, value: string) => {
  const input = target.querySelector<HTMLInputElement>(selector)!;
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
};
/** The labels of the primary buttons of the step and the footer. */
const primaries = () =>
  [...target.querySelectorAll('main button, footer button')]
    .filter((b) => !['secondary', 'copy', 'link', 'danger'].some((c) => b.classList.contains(c)))
    .map((b) => b.textContent?.trim());
const rail = (step: string) => target.querySelector(`[data-step="${step}"]`)?.getAttribute('data-status');

beforeEach(() => {
  calls = [];
  stored = freshResults();
  target = document.createElement('div');
  document.body.appendChild(target);
});

afterEach(() => {
  unmount(app);
  target.remove();
  clearMocks();
});

describe('first run', () => {
  it('says why now: Basic Auth for SMTP AUTH goes off by default at the end of December 2026', async () => {
    backend(null);
    app = mount(App, { target });
    await settle();
    const why = target.querySelector('#basic-auth-timeline')?.textContent?.replace(/\s+/g, ' ') ?? '';
    expect(why).toContain('at the end of December 2026 Exchange Online turns Basic Auth for SMTP AUTH off by default');
    expect(why).toContain('second half of 2027');
    expect(why).toContain('SMTP AUTH clients');
  });

  it('says so when the saved progress could not be read, and starts afresh', async () => {
    backend(null, {
      wizard_state_load: () => {
        throw { kind: 'unreadable', message: 'the saved wizard progress could not be read (x); it was moved to /c/wizard.json.unreadable-1', fields: [] };
      },
    });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('[role=alert]')?.textContent).toContain('moved to /c/wizard.json.unreadable-1');
    expect(target.querySelector('#customers-home')).not.toBeNull();
  });

  it('opens on the two ways in; a new customer starts at step 1', async () => {
    backend(null);
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#no-customers')).not.toBeNull();
    expect(target.querySelector('[data-step]'), 'no rail on the home').toBeNull();
    button('Set up a new customer').click();
    await settle();
    expect(text()).toContain('Step 1 of 9');
    // the cloud and the path wait under Advanced with their defaults
    expect(target.querySelector<HTMLDetailsElement>('#profile-advanced')?.open).toBe(false);
    expect(target.querySelector<HTMLInputElement>('#profile-advanced input[name=cloud]')?.checked).toBe(true);
  });

  it('keeps Advanced open while the user types in it', async () => {
    backend(null);
    app = mount(App, { target });
    await settle();
    button('Set up a new customer').click();
    await settle();
    const advanced = target.querySelector<HTMLDetailsElement>('#profile-advanced')!;
    advanced.open = true;
    typeInto('#field-authority', 'https://login.example');
    typeInto('#field-display-name', 'Contoso');
    await settle();
    expect(advanced.open).toBe(true);
  });

  it('derives the file name from the customer\'s name until the user types one', async () => {
    backend(null);
    app = mount(App, { target });
    await settle();
    button('Set up a new customer').click();
    await settle();
    typeInto('#field-display-name', 'Société Générale, Paris');
    await settle();
    expect(target.querySelector<HTMLInputElement>('#field-name')?.value).toBe('societe-generale-paris');
    typeInto('#field-name', 'sg-paris');
    typeInto('#field-display-name', 'Société Générale');
    await settle();
    expect(target.querySelector<HTMLInputElement>('#field-name')?.value).toBe('sg-paris');
  });

  it('asks for a profile name, explains what is wrong and puts the cursor there', async () => {
    backend(null);
    app = mount(App, { target });
    await settle();
    button('Set up a new customer').click();
    await settle();
    expect(text()).toContain('Step 1 of 9');
    typeInto('#field-name', 'Contoso');
    button('Next').click();
    await settle();
    expect(text()).toContain('profile name must be 1-64 lowercase letters');
    const name = target.querySelector<HTMLInputElement>('#field-name')!;
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(name);
    expect(calls.some((c) => c.cmd === 'profile_create')).toBe(false);

    typeInto('#field-name', 'contoso');
    button('Next').click();
    await settle();
    expect(calls.find((c) => c.cmd === 'profile_create')?.args.profile).toMatchObject({ name: 'contoso' });
    expect(text()).toContain('Step 2 of 9');
    expect(text()).toContain('Directory (tenant) ID');
  });
});

describe('resuming', () => {
  it('opens the saved profile at the saved step', async () => {
    backend(savedAt('permissions'));
    app = mount(App, { target });
    await settle();
    expect(text()).toContain('API permission and consent');
    expect(target.querySelector('[data-step="token"]')?.hasAttribute('disabled')).toBe(false);
  });

  it('shows the profile file, not a draft an earlier version kept', async () => {
    // smtp-oauth saved a new object ID after the wizard (version 1) kept a draft with the old one
    const saved = {
      version: 1,
      current: 'contoso',
      drafts: { contoso: { ...profile, sp_object_id: '11111111-2222-4333-8444-555555555555' } },
      progress: { contoso: { step: 'service-principal', visited: VISITED, permissionAdded: true, consentGranted: true } },
    };
    backend(saved);
    app = mount(App, { target });
    await afterSave();
    expect(target.querySelector<HTMLInputElement>('#field-sp-object-id')!.value).toBe(profile.sp_object_id);
    const stale = calls.filter((c) => c.cmd === 'profile_save' && (c.args.profile as Profile).sp_object_id !== profile.sp_object_id);
    expect(stale).toEqual([]);
    expect(text()).toContain('results and ticks of the earlier version were cleared');
    const written = calls.filter((c) => c.cmd === 'wizard_state_save').slice(-1)[0]?.args.state as { version: number; drafts?: unknown };
    expect(written.version).toBe(3);
    expect(written.drafts).toBeUndefined();
  });

  it('reloads and says so when the profile changed elsewhere', async () => {
    const changed = { ...profile, mailbox: 'changed-by-cli@contoso.com' };
    let loads = 0;
    backend(savedAt('app-registration'), {
      profile_load: () => (loads++ === 0 ? profile : changed),
      profile_save: () => {
        throw { kind: 'changed-elsewhere', message: 'changed', fields: [] };
      },
    });
    app = mount(App, { target });
    await settle();
    typeInto('#field-mailbox', 'mine@contoso.com');
    await afterSave();
    expect(target.querySelector<HTMLInputElement>('#field-mailbox')!.value).toBe('changed-by-cli@contoso.com');
    expect(text()).toContain('was changed outside this window');
  });
});

describe('admin consent by someone else', () => {
  it("asks for a vendor's redirect URI, checks it as Entra would, and shows the address the backend builds with it", async () => {
    const consent = vi.fn((a: { profile: Profile }) =>
      a.profile.consent_redirect_uri ? `v2.0/adminconsent?redirect_uri=${a.profile.consent_redirect_uri}` : 'adminconsent?client_id=x');
    backend(savedAt('permissions'), { admin_consent_url: consent });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#admin-consent-url')?.textContent).toBe('adminconsent?client_id=x');
    typeInto('#field-consent-redirect-uri', 'http://app.vendor.example/consent');
    target.querySelector('#field-consent-redirect-uri')!.dispatchEvent(new Event('blur'));
    await settle();
    expect(text()).toContain('redirect URI must use https://');
    typeInto('#field-consent-redirect-uri', 'https://app.vendor.example/consent');
    await afterSave();
    expect(target.querySelector('#admin-consent-url')?.textContent).toBe('v2.0/adminconsent?redirect_uri=https://app.vendor.example/consent');
    expect(target.querySelector('#admin-consent-after')?.textContent).toContain('with admin_consent=True');
  });
});

describe('one store of results', () => {
  it('shows a check that smtp-oauth ran meanwhile when the window comes back', async () => {
    backend(savedAt('test-message', { secret: storedSecret }));
    app = mount(App, { target });
    await settle();
    expect(text()).not.toContain('SendAs denied');
    // the CLI's check lands in the store while the wizard is open
    const denied = { finding: 'send-as-denied', code: '554 5.2.252', title: 'SendAs denied', cause: 'c', fix: 'f', step: 'powershell', command: null, temporary: false } as const;
    stored = { ...stored, send: { ...report('fail', [], [denied]), obtained: { evidence: 'test-message', at: AT, inputs: [] } } };
    window.dispatchEvent(new Event('focus'));
    await settle();
    expect(text()).toContain('SendAs denied');
  });

  it('keeps no results in its progress file, and says what an older file held that was not carried over', async () => {
    const tick = { evidence: 'script-ran', at: AT, inputs: [] };
    backend({ version: 2, current: 'contoso', progress: { contoso: { ...freshProgress(), step: 'powershell', visited: VISITED, results: { ...freshResults(), ticks: [tick] } } } });
    app = mount(App, { target });
    await afterSave();
    expect(text()).toContain('Your ticks (permission, consent, script) were not carried over');
    const written = calls.filter((c) => c.cmd === 'wizard_state_save').slice(-1)[0]?.args.state as { version: number; progress: Record<string, object> };
    expect(written.version).toBe(3);
    expect(Object.keys(written.progress.contoso).sort()).toEqual(['fullAccess', 'step', 'visited']);
  });

  it('records a tick in the store, and takes it back there', async () => {
    backend(savedAt('powershell'), {
      judge: (a) => judgedWith({}, { ticks: a.results.ticks.map((t) => ({ evidence: t.evidence, at: t.at, changed: [] })) }),
    });
    app = mount(App, { target });
    await settle();
    const box = target.querySelector<HTMLInputElement>('#check-script-ran')!;
    box.click();
    await afterSave();
    expect(stored.ticks.map((t) => t.evidence)).toEqual(['script-ran']);
    expect(target.querySelector('[data-tick="script-ran"]')?.textContent).toContain('the test message checks it');
    box.click();
    await afterSave();
    expect(stored.ticks).toEqual([]);
  });
});

describe('results that no longer hold', () => {
  it('are out of date in the rail and on the step, never green', async () => {
    const token: Report = { ...report('ok'), obtained: { evidence: 'token', at: AT, inputs: [] } };
    backend(savedAt('token', { secret: storedSecret, token }), { judge: judging({ token: 'stale', permissions: 'claimed' }, ['tenant']) });
    app = mount(App, { target });
    await settle();
    expect(rail('token')).toBe('stale');
    expect(rail('permissions')).toBe('claimed');
    expect(target.querySelector('[data-step="token"]')?.textContent).toContain('out of date');
    expect(target.querySelector('[data-out-of-date]')?.textContent).toContain('the tenant changed since this token was fetched (14:02)');
  });

  it('are out of date in the header too, at once, from the same judgement, with the tenant shown', async () => {
    const overview: Summary[] = [{ name: 'contoso', title: 'contoso', overall: 'ready', secret_expires: null, days_left: null, tenant: 'contoso.onmicrosoft.com', mailbox: '', last_check: null }];
    backend(savedAt('app-registration', { secret: storedSecret }), {
      profiles_overview: () => overview,
      judge: (a) => judgedWith({}, { overall: a.profile.tenant === profile.tenant ? 'ready' : 'out-of-date' }),
    });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#header-state')?.textContent).toBe('ready');
    expect(target.querySelector('#header-tenant')?.textContent).toBe(profile.tenant);
    typeInto('#field-tenant', 'fabrikam.onmicrosoft.com');
    await afterSave();
    expect(target.querySelector('#header-state')?.textContent, 'not the list read at start').toBe('out of date');
    expect(target.querySelector('#header-tenant')?.textContent).toBe('fabrikam.onmicrosoft.com');
    // and in the header's list, and on the customers home
    (target.querySelector('#switcher') as HTMLButtonElement).click();
    await settle();
    expect(target.querySelector('[data-profile="contoso"]')?.getAttribute('data-overall')).toBe('out-of-date');
    (target.querySelector('#home') as HTMLButtonElement).click();
    await settle();
    expect(target.querySelector('tr[data-customer="contoso"]')?.getAttribute('data-overall')).toBe('out-of-date');
  });

  it('asks the backend again after an edit, with the edited value', async () => {
    backend(savedAt('app-registration'));
    app = mount(App, { target });
    await settle();
    const before = calls.filter((c) => c.cmd === 'judge').length;
    typeInto('#field-tenant', 'fabrikam.onmicrosoft.com');
    await afterSave();
    const judged = calls.filter((c) => c.cmd === 'judge');
    expect(judged.length).toBeGreaterThan(before);
    expect((judged[judged.length - 1].args.profile as Profile).tenant).toBe('fabrikam.onmicrosoft.com');
  });
});

describe('the user\'s ticks', () => {
  it('are recorded with what they were said for, and read "you ticked this"', async () => {
    backend(savedAt('permissions'), {
      judge: (a) => {
        const results = a.results;
        return judgedWith(
          { permissions: results.ticks.length === 2 ? 'claimed' : 'pending' },
          { ticks: results.ticks.map((t) => ({ evidence: t.evidence, at: t.at, changed: [] })) },
        );
      },
    });
    app = mount(App, { target });
    await settle();
    target.querySelector<HTMLInputElement>('#check-permission')!.click();
    await settle();
    target.querySelector<HTMLInputElement>('#check-consent')!.click();
    await afterSave();
    expect(calls.filter((c) => c.cmd === 'record').map((c) => c.args.evidence)).toEqual(['permission-added', 'consent-granted']);
    expect(target.querySelector('[data-tick="consent-granted"]')?.textContent).toContain('You ticked this at 14:02');
    expect(rail('permissions')).toBe('claimed');
    expect(button('Verify now')).toBeTruthy();
  });
});

describe('secret step', () => {
  it('saves the Value only once the user says it went to the sending application', async () => {
    const save = vi.fn(() => storedSecret);
    backend(savedAt('secret'), { secret_status: () => ({ ...storedSecret, stored: false, fingerprint: null }), secret_save: save });
    app = mount(App, { target });
    await settle();
    typeInto('#field-secret', 'Xy18Q~the-value');
    await settle();
    expect(text()).toContain('Put this Value into the sending application');
    const saveButton = button('Save to Secret Service');
    expect(saveButton.disabled, 'not before the Value was put where the application gets it').toBe(true);
    (target.querySelector('#secret-handed-on') as HTMLInputElement).click();
    await settle();
    expect(saveButton.disabled).toBe(false);
    saveButton.click();
    await settle();
    expect(save).toHaveBeenCalledOnce();
  });

  it('once the secret is saved, fetches a token in the background, which fills the empty object ID', async () => {
    const oid = '6f1c2d3e-4a5b-4c6d-8e7f-000000000001';
    const fetched: Report = {
      ...report('ok'),
      token: {
        endpoint: 'e', decoded_not_verified: true, expires_in: 3599, error: null, entra: null,
        claims: { aud: 'https://outlook.office365.com', iss: null, tid: 't', oid, appid: 'a', azp: null, app_displayname: null, roles: ['SMTP.SendAsApp'], exp: 1795000000, iat: null, nbf: null, ver: '1.0', idtyp: 'app', scp: null },
      },
    };
    const fetch = vi.fn(() => fetched);
    backend(savedAt('secret'), {
      profile_load: () => ({ ...profile, sp_object_id: null }),
      secret_status: () => ({ ...storedSecret, stored: false, fingerprint: null }),
      secret_save: () => storedSecret,
      fetch_token: fetch,
    });
    app = mount(App, { target });
    await settle();
    typeInto('#field-secret', 'Xy18Q~the-value');
    await settle();
    (target.querySelector('#secret-handed-on') as HTMLInputElement).click();
    await settle();
    button('Save to Secret Service').click();
    await afterSave();
    expect(fetch).toHaveBeenCalledOnce();
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('secret');
    await afterSave();
    const saved = calls.filter((c) => c.cmd === 'profile_save').map((c) => (c.args.profile as Profile).sp_object_id);
    expect(saved).toContain(oid);
  });
});

describe('token step', () => {
  it('shows the decoded claims, the checks and a link to the step that fixes a failure', async () => {
    const tokenReport: Report = {
      ...report('fail', [{ id: 'roles', status: 'fail', message: 'The token has no roles claim', step: 'permissions', suggestion: null }]),
      token: {
        endpoint: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
        decoded_not_verified: true,
        expires_in: 3599,
        error: null,
        entra: null,
        claims: { aud: 'https://outlook.office365.com', iss: null, tid: 't', oid: 'o', appid: 'a', azp: null, app_displayname: null, roles: null, exp: 1795000000, iat: null, nbf: null, ver: '1.0', idtyp: 'app', scp: null },
      },
    };
    backend(savedAt('token', { secret: storedSecret }), {
      fetch_token: () => tokenReport,
      judge: (a) => (a.results.token ? judging({ permissions: 'failed', token: 'failed' })(a) : judgedWith({})),
    });
    app = mount(App, { target });
    await settle();
    button('Fetch token').click();
    await settle();
    expect(calls.find((c) => c.cmd === 'fetch_token')?.args.profile).toMatchObject({ name: 'contoso' });
    expect(text()).toContain('decoded, not verified');
    expect(text()).toContain('Fetched at 14:02');
    expect(target.querySelector('[data-claim="aud"]')?.textContent).toContain('https://outlook.office365.com');
    expect(target.querySelector('[data-claim="roles"]')?.textContent).toContain('(absent)');
    expect(rail('permissions')).toBe('failed');
    button('Fix it in step 3').click();
    await settle();
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('permissions');
  });

  it('shows Entra\'s trace and correlation IDs with a refusal', async () => {
    const refused: Report = {
      ...report('fail'),
      token: {
        endpoint: 'e', decoded_not_verified: true, expires_in: null, claims: null,
        error: 'Entra ID refused the token request: AADSTS7000215: Invalid client secret provided.',
        entra: { trace_id: 'trace-1', correlation_id: 'corr-1', timestamp: '2026-11-23 14:02:00Z' },
      },
    };
    backend(savedAt('token', { secret: storedSecret, token: refused }));
    app = mount(App, { target });
    await settle();
    const ids = target.querySelector('[data-entra-ids]')?.textContent ?? '';
    expect(ids).toContain('Trace ID: trace-1');
    expect(ids).toContain('Correlation ID: corr-1');
  });
});

describe('test message step', () => {
  it('explains a pasted error with the live diagnosis, and sends only the text and the profile', async () => {
    const explanation: Explanation = {
      recognised: ['the SMTP reply 535 5.7.139'],
      claims: null,
      checks: [],
      compared_with_profile: true,
      diagnosis: [{ finding: 'smtp-auth-disabled-for-mailbox', code: '535 5.7.139', title: 'SMTP AUTH is disabled for the mailbox', cause: 'Off for this mailbox.', fix: 'Turn it on.', step: 'powershell', command: "Set-CASMailbox -Identity 'noreply@contoso.com' -SmtpClientAuthenticationDisabled $false", temporary: false }],
    };
    const explain = vi.fn(() => explanation);
    backend(savedAt('test-message', { secret: storedSecret }), { explain });
    app = mount(App, { target });
    await settle();
    const box = target.querySelector<HTMLDetailsElement>('#explain-box')!;
    box.open = true;
    const area = target.querySelector<HTMLTextAreaElement>('#explain-text')!;
    area.value = 'Scan failed: 535 5.7.139 Authentication unsuccessful';
    area.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    (target.querySelector('#explain-run') as HTMLButtonElement).click();
    await settle();
    const call = calls.find((c) => c.cmd === 'explain')!;
    expect(call.args.text).toBe('Scan failed: 535 5.7.139 Authentication unsuccessful');
    expect((call.args.profile as Profile).mailbox).toBe(profile.mailbox);
    expect(target.querySelector('#explain-recognised')?.textContent).toContain('the SMTP reply 535 5.7.139');
    expect(box.querySelector('.diagnosis')?.textContent).toContain('SMTP AUTH is disabled for the mailbox');
    const saved = calls.filter((c) => c.cmd === 'wizard_state_save').map((c) => JSON.stringify(c.args));
    expect(saved.some((s) => s.includes('5.7.139')), 'the paste is not kept').toBe(false);
  });

  it('shows the diagnosis card, which leads to the step to revisit', async () => {
    const sent: Report = {
      ...report('fail', [], [{ finding: 'send-as-denied', code: '554 5.2.252', title: 'SendAs denied', cause: 'The app may not send as the From address.', fix: 'Run Add-RecipientPermission.', step: 'powershell', command: "Add-RecipientPermission -Identity 'noreply@contoso.com'", temporary: false }]),
      smtp: {
        host: 'smtp.office365.com', port: 587,
        transcript: [{ from: 'server', line: '554 5.2.252 SendAsDenied; noreply@contoso.com not allowed' }],
        outcome: {
          kind: 'failed', stage: 'send', sign_in_only: false, message: 'the server refused at send: 554 5.2.252 SendAsDenied',
          failure: { kind: 'rejected', reply: { code: 554, enhanced: '5.2.252', text: 'SendAsDenied; noreply@contoso.com not allowed' } },
        },
      },
    };
    const send = vi.fn(() => sent);
    backend(savedAt('test-message', { secret: storedSecret }), {
      send_test: send,
      judge: (a) => (a.results.send ? judging({ powershell: 'failed', 'test-message': 'failed' })(a) : judgedWith({})),
    });
    app = mount(App, { target });
    await settle();
    button('Send test message').click();
    await settle();
    expect(send).toHaveBeenCalledOnce();
    expect(calls.find((c) => c.cmd === 'send_test')?.args.to).toBe('admin@contoso.com');
    expect(text()).toContain('Not sent: 554 5.2.252');
    expect(target.querySelector('.diagnosis')?.textContent).toContain('SendAs denied');
    expect(text()).toContain('SMTP dialogue with smtp.office365.com:587');
    button('Go to step 6').click();
    await settle();
    expect(text()).toContain('Exchange PowerShell');
    expect(rail('powershell')).toBe('failed');
  });

  it('checks sign-in only: nothing sent, and says SendAs was not exercised', async () => {
    const signedIn: Report = {
      ...report('ok'),
      smtp: {
        host: 'smtp.office365.com', port: 587,
        transcript: [{ from: 'server', line: '235 2.7.0 Authentication successful' }, { from: 'client', line: 'QUIT' }],
        outcome: { kind: 'signed-in', reply: { code: 235, enhanced: '2.7.0', text: 'Authentication successful' } },
      },
    };
    const check = vi.fn(() => signedIn);
    const send = vi.fn();
    backend(savedAt('test-message', { secret: storedSecret }), { check_sign_in: check, send_test: send, judge: judging() });
    app = mount(App, { target });
    await settle();
    button('Check sign-in only').click();
    // the report is read back from the store, then judged
    await afterSave();
    expect(check).toHaveBeenCalledOnce();
    expect(send).not.toHaveBeenCalled();
    const result = (target.querySelector('#sign-in-result')?.textContent ?? '').replace(/\s+/g, ' ');
    expect(result).toContain('Exchange accepted the token');
    expect(result).toContain('No message was sent, so SendAs was not exercised');
    // kept as the token's result, not as a test message
    // the first judgement after the check (an earlier test's window may still save late)
    const after = calls.slice(calls.findIndex((c) => c.cmd === 'check_sign_in'));
    const saved = after.find((c) => c.cmd === 'judge')?.args.results as { token: Report | null; send: Report | null };
    expect(saved.token?.smtp?.outcome.kind).toBe('signed-in');
    expect(saved.send ?? null).toBeNull();
  });

  it('gives the real failure, not a positive reply, when there was no refusal', async () => {
    const timedOut: Report = {
      ...report('fail'),
      smtp: {
        host: 'smtp.office365.com', port: 587, transcript: [{ from: 'server', line: '235 2.7.0 Authentication successful' }],
        outcome: {
          kind: 'failed', stage: 'send', sign_in_only: false, failure: { kind: 'timeout', seconds: 30 },
          message: 'no answer within the overall timeout of 30 s while waiting to send',
        },
      },
    };
    backend(savedAt('test-message', { secret: storedSecret, send: timedOut }));
    app = mount(App, { target });
    await settle();
    const result = target.querySelector('#send-result')?.textContent ?? '';
    expect(result).toContain('no answer within the overall timeout of 30 s');
    expect(result).not.toContain('235');
  });

  it('turns a backend error into a message, by kind', async () => {
    backend(savedAt('test-message'), {
      send_test: () => {
        throw { kind: 'no-secret', message: 'no client secret is stored for x yet: save it in step 4', fields: [] };
      },
    });
    app = mount(App, { target });
    await settle();
    button('Send test message').click();
    await settle();
    expect(target.querySelector('.notice-error')?.textContent).toContain('save it in step 4');
    button('Go to step 4').click();
    await settle();
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('secret');
  });
});

describe('deleting', () => {
  it('a stored secret asks first: Entra shows a Value only once', async () => {
    const deleted = vi.fn(() => ({ ...storedSecret, stored: false, fingerprint: null }));
    backend(savedAt('secret', { secret: storedSecret }), { secret_delete: deleted });
    app = mount(App, { target });
    await settle();
    button('Delete…').click();
    await settle();
    expect(deleted).not.toHaveBeenCalled();
    expect(target.querySelector('#delete-secret')?.textContent).toContain('shows a secret\'s Value only once');
    expect(document.activeElement?.textContent, 'focus moves into the question, on the safe answer').toBe('Keep it');
    button('Keep it').click();
    await settle();
    expect(deleted).not.toHaveBeenCalled();
    expect(document.activeElement?.id, 'and back to what asked it').toBe('delete-secret-ask');
    button('Delete…').click();
    await settle();
    button('Delete it').click();
    await settle();
    expect(deleted).toHaveBeenCalledOnce();
  });

  it('a profile offers to delete its secret, and no save brings it back', async () => {
    const events: string[] = [];
    backend(savedAt('profile'), {
      // a save takes a while: the delete must wait for it, not overtake it
      profile_save: async (a) => {
        events.push('save started');
        await new Promise((r) => setTimeout(r, 150));
        events.push('save done');
        return a.profile;
      },
      profile_delete_preview: () => ({ secret_stored: true, shared_with: [] }),
      profile_delete: () => {
        events.push('delete');
        return { name: 'contoso', client_id: profile.client_id, secret: 'deleted', shared_with: [] };
      },
    });
    app = mount(App, { target });
    await settle();
    typeInto('#field-authority', 'https://login.microsoftonline.com/x');
    await new Promise((r) => setTimeout(r, 280)); // the debounced save is now in flight
    expect(events).toEqual(['save started']);
    button('Delete profile…').click();
    await settle();
    expect(target.querySelector<HTMLInputElement>('#delete-profile-secret')!.checked).toBe(true);
    typeInto('#field-authority', 'https://login.microsoftonline.com/y'); // and another edit is pending
    button('Delete').click();
    await afterSave();
    await afterSave();
    expect(events).toEqual(['save started', 'save done', 'delete']);
    expect(calls.find((c) => c.cmd === 'profile_delete')?.args).toMatchObject({ name: 'contoso', deleteSecret: true });
    expect(text()).toContain('Its client secret was deleted from the keychain');
  });
});

describe('an imported profile with foreign endpoints', () => {
  it('is shown with its endpoints until the user confirms them', async () => {
    const confirm = vi.fn(() => ({ ...profile, endpoints_unconfirmed: false }));
    let confirmed = false;
    backend(savedAt('profile'), {
      judge: () => (confirmed ? judgedWith({}) : judgedWith({}, { endpoints_to_confirm: [{ field: 'authority', value: 'https://login.attacker.example', default: 'https://login.microsoftonline.com' }] })),
      profile_confirm_endpoints: () => {
        confirmed = true;
        return confirm();
      },
    });
    app = mount(App, { target });
    await settle();
    const box = target.querySelector('#endpoints-to-confirm')?.textContent ?? '';
    expect(box).toContain('authority URL: https://login.attacker.example');
    button('I know these endpoints').click();
    await settle();
    expect(confirm).toHaveBeenCalledOnce();
    expect(target.querySelector('#endpoints-to-confirm')).toBeNull();
  });

  it('names the cloud the app was used in before, when an import moved it', async () => {
    const moved = { field: 'cloud', value: 'China (21Vianet) (https://login.partner.microsoftonline.cn)', default: 'Global (https://login.microsoftonline.com)' } as const;
    backend(savedAt('profile'), { judge: () => judgedWith({}, { endpoints_to_confirm: [moved] }) });
    app = mount(App, { target });
    await settle();
    const box = target.querySelector('#endpoints-to-confirm')?.textContent?.replace(/\s+/g, ' ') ?? '';
    expect(box).toContain('cloud: China (21Vianet) (https://login.partner.microsoftonline.cn) (before the import: Global (https://login.microsoftonline.com))');
    expect(box).not.toContain("(the cloud's own:");
  });
});

const handover: Handover = {
  title: 'Contoso Ltd', profile: 'contoso', notes: null, prepared: '23 Nov 2026 14:05 (UTC)', prepared_by: null,
  verdict: { overall: 'ready', text: 'Ready: a test message was accepted at 14:02 on 23 Nov 2026.', step: null },
  setup: [],
  settings: [{ label: 'SMTP host', value: 'smtp.office365.com' }, { label: 'Client ID', value: profile.client_id }],
  secret_kept: 'The client secret is not in this report.',
  checks: [{ step: 'token', title: 'Token', status: 'ok', words: 'done', said: 'Verified by the test message sent at 14:02' }],
  dialogue: null, powershell: [],
  expiry: { date: '2026-12-23', days_left: 30, text: 'The client secret expires on 23 Dec 2026 (in 30 days).', renewal: [] },
  troubleshooting: [], links: [],
};

describe('finish', () => {
  it('never shows the verdict written for values changed since', async () => {
    let calls_ = 0;
    let later: (h: Handover) => void = () => {};
    backend(savedAt('finish'), {
      handover: () => (++calls_ === 1 ? handover : new Promise<Handover>((resolve) => (later = resolve))),
    });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#verdict')?.textContent).toContain('Ready');
    (target.querySelector('[data-step="app-registration"]') as HTMLButtonElement).click();
    await settle();
    typeInto('#field-tenant', 'fabrikam.onmicrosoft.com');
    await afterSave();
    (target.querySelector('[data-step="finish"]') as HTMLButtonElement).click();
    await settle();
    expect(target.querySelector('#verdict')?.textContent ?? '', 'the old verdict is not shown while the new one is written').not.toContain('Ready');
    later({ ...handover, verdict: { overall: 'out-of-date', text: 'Not ready: the tenant changed since the test.', step: 'token' } });
    await settle();
    expect(target.querySelector('#verdict')?.textContent).toContain('Not ready');
  });

  it('opens with the verdict and saves the report, the reminder and who prepared it', async () => {
    const save = vi.fn((): string | null => '/home/me/smtp-oauth-handover-contoso.html');
    const reminder = vi.fn((): string | null => '/home/me/expiry.ics');
    backend(savedAt('finish'), { handover: () => handover, handover_save: save, reminder_save: reminder });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#verdict')?.textContent).toContain('Ready: a test message was accepted at 14:02');
    expect(target.querySelector('#verdict')?.getAttribute('data-overall')).toBe('ready');
    expect(text()).toContain('smtp-oauth check --profile contoso');
    button('Save the hand-over report…').click();
    await settle();
    expect(save).toHaveBeenCalledOnce();
    expect(calls.find((c) => c.cmd === 'handover_save')?.args).toMatchObject({ format: 'html', preparedBy: null, fullAccess: false });
    expect(text()).toContain('Saved the hand-over report to /home/me/smtp-oauth-handover-contoso.html');

    typeInto('#prepared-by', 'Sam Consultant');
    button('Save as Markdown…').click();
    await settle();
    expect(calls.filter((c) => c.cmd === 'handover_save')[1].args).toMatchObject({ format: 'markdown', preparedBy: 'Sam Consultant' });
    await afterSave();
    const state = calls.filter((c) => c.cmd === 'wizard_state_save').slice(-1)[0].args.state as { preparedBy: string };
    expect(state.preparedBy).toBe('Sam Consultant');

    button('Save a calendar reminder (.ics)…').click();
    await settle();
    expect(reminder).toHaveBeenCalledOnce();
    expect(text()).toContain('Saved the calendar reminder to /home/me/expiry.ics');
  });

  it('needs an expiry date for a reminder, and says where to enter it', async () => {
    const undated = { ...handover, expiry: { date: null, days_left: null, text: 'The client secret\'s expiry date was not entered.', renewal: [] } };
    backend(savedAt('finish'), { handover: () => undated });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector<HTMLButtonElement>('#save-reminder')!.disabled).toBe(true);
    button('Go to step 4').click();
    await settle();
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('secret');
  });

  it('removes the secret from this computer only when asked twice', async () => {
    const deleted = vi.fn(() => ({ ...storedSecret, stored: false, fingerprint: null }));
    backend(savedAt('finish', { secret: storedSecret }), { handover: () => handover, secret_delete: deleted });
    app = mount(App, { target });
    await settle();
    button('Remove the secret from this computer…').click();
    await settle();
    expect(deleted).not.toHaveBeenCalled();
    expect(target.querySelector('#remove-secret')?.textContent).toContain('the sending application has its own copy');
    button('Remove it').click();
    await settle();
    expect(deleted).toHaveBeenCalledOnce();
    expect(target.querySelector('#secret-not-here')).not.toBeNull();
  });
});

describe('many customers', () => {
  const overview: Summary[] = [
    { name: 'contoso', title: 'Contoso Ltd', overall: 'ready', secret_expires: '2026-12-23', days_left: 30, tenant: 'contoso.onmicrosoft.com', mailbox: 'noreply@contoso.com', last_check: { at: AT, what: 'test message', outcome: 'ok', cause: null } },
    { name: 'fabrikam', title: 'fabrikam', overall: 'failing', secret_expires: '2026-11-21', days_left: -2, tenant: 'fabrikam.onmicrosoft.com', mailbox: 'scanner@fabrikam.com', last_check: { at: AT, what: 'sign-in check', outcome: 'fail', cause: 'The client secret has expired' } },
    { name: 'tailspin', title: 'Tailspin Toys', overall: 'in-progress', secret_expires: null, days_left: null, tenant: 'tailspin.onmicrosoft.com', mailbox: 'mfp@tailspin.com', last_check: null },
  ];
  const rows = () => [...target.querySelectorAll('tr[data-customer]')].map((r) => r.getAttribute('data-customer'));

  it('lists every customer on the home, filters as the user types, and sorts by state or expiry', async () => {
    backend(null, { profiles_overview: () => overview, profiles_list: () => overview.map((o) => o.name) });
    app = mount(App, { target });
    await settle();
    expect(rows(), 'failing first').toEqual(['fabrikam', 'tailspin', 'contoso']);
    const fabrikam = target.querySelector('tr[data-customer="fabrikam"]')?.textContent ?? '';
    expect(fabrikam).toContain('fabrikam.onmicrosoft.com');
    expect(fabrikam).toContain('scanner@fabrikam.com');
    expect(fabrikam).toContain('expired 2 days ago');
    expect(fabrikam).toContain('The client secret has expired');
    const order = target.querySelector<HTMLSelectElement>('#customer-order')!;
    order.value = 'expiry';
    order.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(rows(), 'expired first, none entered last').toEqual(['fabrikam', 'contoso', 'tailspin']);
    typeInto('#customer-filter', 'TAILSPIN.onmicrosoft');
    await settle();
    expect(rows()).toEqual(['tailspin']);
    // deleting is not among the everyday actions
    expect([...target.querySelectorAll('#customers-home button')].some((b) => /delete/i.test(b.textContent ?? ''))).toBe(false);
  });

  it('"Check or fix" opens the customer at its checks and checks its sign-in at once', async () => {
    backend(null, {
      profiles_overview: () => overview,
      profiles_list: () => overview.map((o) => o.name),
      check_sign_in: () => report('fail'),
    });
    app = mount(App, { target });
    await settle();
    (target.querySelector('[data-check-or-fix="contoso"]') as HTMLButtonElement).click();
    await settle();
    expect(calls.find((c) => c.cmd === 'profile_load')?.args).toEqual({ name: 'contoso' });
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('test-message');
    expect(calls.some((c) => c.cmd === 'check_sign_in')).toBe(true);
    expect(calls.some((c) => c.cmd === 'send_test'), 'nothing sent').toBe(false);
  });

  it('checks every customer\'s sign-in from the home, showing each as it finishes', async () => {
    let finish: (lines: Commands['profiles_check_all']['result']) => void = () => {};
    backend(null, {
      profiles_overview: () => overview,
      profiles_list: () => overview.map((o) => o.name),
      profiles_check_all: () => new Promise((resolve) => (finish = resolve)),
    });
    app = mount(App, { target });
    await settle();
    button('Check all (sign-in only)').click();
    await settle();
    expect(target.querySelector('#check-all-progress')?.textContent).toContain('0 of 3 done');
    expect(target.querySelector<HTMLButtonElement>('[data-check-or-fix="contoso"]')?.disabled).toBe(true);
    finish([
      { profile: 'contoso', outcome: 'ok', cause: null, done: 1, total: 3 },
      { profile: 'fabrikam', outcome: 'fail', cause: 'The client secret has expired', done: 2, total: 3 },
      { profile: 'tailspin', outcome: 'skipped', cause: 'no client secret stored', done: 3, total: 3 },
    ]);
    await settle();
    expect(target.querySelector('#check-all-progress')?.textContent?.replace(/\s+/g, ' ')).toContain('Checked 3. Nothing was sent.');
    expect(target.querySelector('tr[data-customer="tailspin"] [data-last-check]')?.textContent).toContain('skipped');
    expect(target.querySelector('tr[data-customer="fabrikam"] [data-last-check]')?.textContent).toContain('failed');
  });

  it('switches profiles from the header, with each one\'s state and expiry', async () => {
    // the open profile's row is the live judgement, here the same as the store's
    backend(savedAt('token'), {
      profiles_overview: () => overview,
      profiles_list: () => ['contoso', 'fabrikam'],
      judge: () => judgedWith({}, { overall: 'ready' }),
    });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#switcher')?.textContent).toContain('Contoso Ltd');
    (target.querySelector('#switcher') as HTMLButtonElement).click();
    await settle();
    const row = (name: string) => target.querySelector(`[data-profile="${name}"]`)?.textContent ?? '';
    expect(row('contoso')).toContain('ready');
    expect(row('contoso')).toContain('expires in 30 days');
    expect(row('fabrikam')).toContain('failing');
    expect(row('fabrikam')).toContain('expired 2 days ago');
    (target.querySelector('[data-profile="fabrikam"] button') as HTMLButtonElement).click();
    await settle();
    expect(calls.filter((c) => c.cmd === 'profile_load').slice(-1)[0].args).toEqual({ name: 'fabrikam' });
  });

  it('duplicates a profile for another mailbox of the same app', async () => {
    const copy = { ...profile, name: 'contoso-alerts', mailbox: '' };
    backend(savedAt('token'), {
      profiles_overview: () => overview,
      profile_duplicate: () => copy,
      profile_load: (a) => (a.name === 'contoso-alerts' ? copy : profile),
    });
    app = mount(App, { target });
    await settle();
    (target.querySelector('#switcher') as HTMLButtonElement).click();
    await settle();
    button('Duplicate for another mailbox…').click();
    await settle();
    typeInto('#duplicate-name', 'contoso-alerts');
    await settle();
    button('Make the copy').click();
    await settle();
    expect(calls.find((c) => c.cmd === 'profile_duplicate')?.args).toEqual({ name: 'contoso', newName: 'contoso-alerts' });
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('app-registration');
    expect(target.querySelector('#field-mailbox')).not.toBeNull();
    expect(text()).toContain('Enter its mailbox here');
  });

  it('checks an existing setup straight away', async () => {
    // a profile opened at its first step, with nothing visited beyond it
    backend({ version: 2, current: 'contoso', progress: { contoso: freshProgress() } });
    app = mount(App, { target });
    await settle();
    button('Check an existing setup').click();
    await settle();
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('token');
    expect(target.querySelector('[data-step="service-principal"]')?.hasAttribute('disabled')).toBe(false);
    expect(target.querySelector('[data-step="test-message"]')?.hasAttribute('disabled')).toBe(true);
  });
});

describe('the secret step', () => {
  it('offers Entra\'s expiry choices and says how long is left', async () => {
    backend(savedAt('secret', { secret: storedSecret }));
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#expiry-state')?.textContent).toContain('No expiry date entered yet');
    const group = target.querySelector('[role=radiogroup]')!;
    expect([...group.querySelectorAll('label')].map((l) => l.textContent?.replace(/\s+/g, ' ').trim().replace(/ \d{4}-\d\d-\d\d$/, ''))).toEqual([
      '90 days (3 months)', '180 days (6 months)', '365 days (12 months)', '545 days (18 months)', '730 days (24 months)', 'Custom',
    ]);
    const year = target.querySelector<HTMLInputElement>('[data-expiry-choice="365 days (12 months)"]')!;
    year.click();
    await afterSave();
    const saved = calls.filter((c) => c.cmd === 'profile_save').slice(-1)[0].args.profile as Profile;
    expect(saved.secret_expires).toBe(expiryChoices(new Date())[2].date);
    expect(year.checked).toBe(true);
    expect(target.querySelector('#expiry-state')?.textContent).toContain('(in 365 days)');
  });
});

describe('a certificate credential', () => {
  const info = {
    subject: 'CN=SMTP OAuth Wizard contoso', not_before: AT, not_after: AT + 365 * 86400, expires: '2027-11-24',
    thumbprint_sha1: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678', thumbprint_sha256: 'AB'.repeat(32), key_bits: 2048,
  };
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const keyStatus: SecretStatus = { ...storedSecret, account: `${profile.client_id}#certificate-abcdef0123456789`, fingerprint: 'cert:1' };
  // as the backend answers: the profile it was given, with the certificate as its credential
  const installed = (args: Record<string, unknown>) => ({
    profile: { ...(args.profile as Profile), credential: 'certificate' as const, certificate: pem, secret_expires: info.expires },
    info,
    status: keyStatus,
  });

  it('is created here: the profile keeps the certificate and its expiry, the thumbprint is shown to copy', async () => {
    const missing = { ...storedSecret, stored: false, fingerprint: null };
    backend(savedAt('secret'), {
      secret_status: () => missing,
      certificate_create: installed,
      certificate_save: () => '/home/me/app.cer',
    });
    app = mount(App, { target });
    await settle();
    (target.querySelector('input[value="certificate"]') as HTMLInputElement).click();
    await settle();
    expect(target.querySelector('#cert-create')).not.toBeNull();
    expect(primaries()).toEqual(['Create certificate']);
    (target.querySelector('#cert-months') as HTMLSelectElement).value = '24';
    target.querySelector('#cert-months')!.dispatchEvent(new Event('change', { bubbles: true }));
    (target.querySelector('#cert-create') as HTMLButtonElement).click();
    await afterSave();
    const create = calls.find((c) => c.cmd === 'certificate_create')!;
    expect(create.args.months).toBe(24);
    const saved = calls.filter((c) => c.cmd === 'profile_save').slice(-1)[0].args.profile as Profile;
    expect(saved.credential).toBe('certificate');
    expect(saved.certificate).toBe(pem);
    expect(saved.secret_expires).toBe('2027-11-24');
    expect(target.querySelector('#cert-thumbprint')?.textContent).toBe(info.thumbprint_sha1);
    expect(target.querySelector('[aria-label="Copy the SHA-1 thumbprint"]')).not.toBeNull();
    expect(target.querySelector('[data-testid="secret-stored"]')).not.toBeNull();
    expect(primaries()).toEqual(['Next']);
    expect(target.querySelector('#cert-valid')?.textContent).toMatch(/until 2027-11-24 \(/);
    button('Save .cer').click();
    await settle();
    expect(calls.find((c) => c.cmd === 'certificate_save')!.args.pem).toBe(false);
    expect(text()).toContain('Saved the certificate to /home/me/app.cer');
  });

  it('is imported with its password sent once, and a refusal is said as the backend says it', async () => {
    let answer: 'refuse' | 'ok' = 'refuse';
    backend(savedAt('secret'), {
      secret_status: () => ({ ...storedSecret, stored: false, fingerprint: null }),
      certificate_import: (args) => {
        if (answer === 'refuse') throw { kind: 'certificate', message: 'the certificate expired on 2025-01-01: renew it', fields: [] };
        return installed(args);
      },
    });
    app = mount(App, { target });
    await settle();
    (target.querySelector('input[value="certificate"]') as HTMLInputElement).click();
    await settle();
    typeInto('#cert-password', 'pfx-pass');
    button('Choose file').click();
    await settle();
    expect(text()).toContain('the certificate expired on 2025-01-01');
    expect(calls.find((c) => c.cmd === 'certificate_import')!.args.password).toBe('pfx-pass');
    expect((target.querySelector('#cert-password') as HTMLInputElement).value, 'the password is not kept').toBe('');
    answer = 'ok';
    button('Choose file').click();
    await afterSave();
    expect(calls.filter((c) => c.cmd === 'certificate_import').slice(-1)[0].args.password).toBeNull();
    expect(target.querySelector('#cert-thumbprint')?.textContent).toBe(info.thumbprint_sha1);
    const state = calls.filter((c) => c.cmd === 'wizard_state_save').map((c) => JSON.stringify(c.args));
    expect(state.some((s) => s.includes('pfx-pass'))).toBe(false);
  });

  it('warns when this computer lacks the key of the profile\'s certificate', async () => {
    const withCert = { ...profile, credential: 'certificate' as const, certificate: pem, secret_expires: '2027-11-24' };
    backend(savedAt('secret'), {
      profile_load: () => withCert,
      secret_status: () => ({ ...keyStatus, stored: false, fingerprint: null }),
      certificate_info: () => info,
    });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('#cert-key-missing')?.textContent).toContain('not in this computer');
    expect(target.querySelector('#cert-valid')?.textContent).toContain('2027-11-24');
  });
});

it('the profile switcher takes focus, gives it back on Escape, and closes on a click elsewhere', async () => {
  backend(savedAt('token'), { profiles_overview: () => [{ name: 'contoso', title: 'Contoso', overall: 'ready', secret_expires: null, days_left: null, tenant: '', mailbox: '', last_check: null }] });
  app = mount(App, { target });
  await settle();
  const toggle = target.querySelector<HTMLButtonElement>('#switcher')!;
  toggle.click();
  await settle();
  expect(target.querySelector('#switcher-panel')?.contains(document.activeElement)).toBe(true);
  window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
  await settle();
  expect(target.querySelector('#switcher-panel')).toBeNull();
  expect(document.activeElement).toBe(toggle);
  toggle.click();
  await settle();
  target.querySelector<HTMLElement>('main')!.click();
  await settle();
  expect(target.querySelector('#switcher-panel')).toBeNull();
});

it('two diagnosis cards on one page each name their own heading, and checks are named in words, not ids', async () => {
  const card = (code: string) => ({ finding: 'send-as-denied', code, title: `t ${code}`, cause: 'c', fix: 'f', step: 'powershell', command: null, temporary: false }) as const;
  const two: Report = {
    ...report('fail', [{ id: 'secret-shape', status: 'warn', message: 'GUID', step: 'secret', suggestion: null }], [card('554 5.2.252'), card('550 5.7.60')]),
    obtained: { evidence: 'test-message', at: AT, inputs: [] },
  };
  backend(savedAt('test-message', { secret: storedSecret, send: two }));
  app = mount(App, { target });
  await settle();
  const cards = [...target.querySelectorAll<HTMLElement>('section.diagnosis')];
  expect(cards).toHaveLength(2);
  const ids = cards.map((c) => c.getAttribute('aria-labelledby'));
  expect(new Set(ids).size).toBe(2);
  for (const [i, c] of cards.entries()) expect(c.querySelector('h3')?.id).toBe(ids[i]);
  expect(new Set([...target.querySelectorAll('[id]')].map((e) => e.id)).size).toBe(target.querySelectorAll('[id]').length);
});

it('SendAs refused soon after the script ran: says how long it has been, and offers to send again', async () => {
  const denied = { finding: 'send-as-denied', code: '554 5.2.252', title: 'SendAs denied', cause: 'c', fix: 'f', step: 'powershell', command: null, temporary: false } as const;
  const refused: Report = { ...report('fail', [], [denied]), obtained: { evidence: 'test-message', at: AT + 600, inputs: [] } };
  const ran = { evidence: 'script-ran' as const, at: AT, inputs: [] };
  backend(savedAt('test-message', { secret: storedSecret, send: refused, ticks: [ran] }));
  app = mount(App, { target });
  await settle();
  const box = target.querySelector('#send-as-waiting')?.textContent?.replace(/\s+/g, ' ') ?? '';
  expect(box).toContain('You ran the Exchange script 10 minutes before this try');
  expect(target.querySelector('#send-again')).not.toBeNull();
});

it('after a pass Next leads, named for where it goes, and a dialogue is labelled by what it was', async () => {
  const sent: Report = {
    ...report('ok'),
    obtained: { evidence: 'test-message', at: AT, inputs: [] },
    smtp: {
      host: 'smtp.office365.com', port: 587,
      transcript: [{ from: 'server', line: '250 2.0.0 OK queued' }],
      outcome: { kind: 'delivered', reply: { code: 250, enhanced: '2.0.0', text: 'OK queued' }, note: null },
    },
  };
  backend(savedAt('test-message', { secret: storedSecret, send: sent }), { judge: judging({ 'test-message': 'ok' }) });
  app = mount(App, { target });
  await settle();
  expect(primaries()).toEqual(['Next: Finish']);
  expect(target.querySelector('#send-transcript summary')?.textContent).toMatch(/^Test message 14:02: SMTP dialogue with smtp\.office365\.com:587/);
});

it('the rail fills a mark only for what a token or test message checked, says so in a legend, and opens a checked step', async () => {
  const steps = (basis: Record<string, string>) => (a: unknown) => {
    void a;
    const j = judgedWith({ profile: 'ok', secret: 'ok', permissions: 'ok' });
    return { ...j, steps: j.steps.map((st) => ({ ...st, basis: (basis[st.step] ?? 'nothing') as typeof st.basis })) };
  };
  const state = savedAt('app-registration');
  state.progress.contoso.visited = ['profile', 'app-registration'];
  backend(state, { judge: steps({ profile: 'entered', secret: 'keychain', permissions: 'token' }) });
  app = mount(App, { target });
  await settle();
  const step = (id: string) => target.querySelector<HTMLButtonElement>(`[data-step="${id}"]`)!;
  expect([step('profile').classList.contains('entered'), step('secret').classList.contains('entered')]).toEqual([true, true]);
  expect(step('permissions').classList.contains('entered')).toBe(false);
  expect(step('permissions').textContent).not.toContain('not yet checked by a token');
  expect(step('secret').textContent).toContain('not yet checked by a token');
  expect(target.querySelector('#rail-legend')?.textContent).toContain('checked by a token or test message');
  // not visited, but a token checked it: it can be opened
  expect(step('permissions').disabled).toBe(false);
  expect(step('service-principal').disabled).toBe(true);
});

it('a profile not yet created shows no mark on step 1', async () => {
  backend(null, { judge: () => judgedWith({ profile: 'ok' }) });
  app = mount(App, { target });
  await settle();
  button('Set up a new customer').click();
  await settle();
  expect(rail('profile')).toBe('pending');
});

it('names who can do a step, and one button per screen is the primary one', async () => {
  for (const step of VISITED) {
    backend(savedAt(step, { secret: storedSecret }), { handover: () => handover });
    app = mount(App, { target });
    await settle();
    // the step's own buttons and the footer's (the rail and the header are navigation)
    expect(primaries(), step).toHaveLength(1);
    if (step === 'permissions') expect(target.querySelector('[data-role="permissions"]')?.textContent).toContain('Cloud Application Administrator');
    if (step === 'powershell') expect(target.querySelector('[data-role="powershell"]')?.textContent).toContain('Exchange Administrator');
    unmount(app);
    clearMocks();
    target.innerHTML = '';
  }
  app = mount(App, { target });
});

describe('copy buttons', () => {
  it('copy the value next to them', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    backend(savedAt('finish'), { handover: () => handover });
    app = mount(App, { target });
    await settle();
    const row = target.querySelector('[data-setting="Client ID"]')!;
    row.querySelector('button')!.click();
    await settle();
    expect(writeText).toHaveBeenCalledWith(profile.client_id);
    expect(row.textContent).toContain('Copied');
  });
});
