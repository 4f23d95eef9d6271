// The App against a mocked backend (mockIPC): what the user sees after each
// action, and what the frontend asks the backend.
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../src/App.svelte';
import type { Profile, Report } from '../src/lib/bindings';
import { freshProgress } from '../src/lib/wizard';
import { completeProfile } from './fixtures';

const profile: Profile = completeProfile;

const clouds = [
  { id: 'global', title: 'Global (and GCC)', authority: 'https://login.microsoftonline.com', scope: 'https://outlook.office365.com/.default', smtp_host: 'smtp.office365.com', portal: 'https://entra.microsoft.com', certain: true },
];

type Handler = (args: Record<string, unknown>) => unknown;
let calls: { cmd: string; args: Record<string, unknown> }[];
let target: HTMLElement;
let app: ReturnType<typeof mount>;

function backend(state: unknown, extra: Record<string, Handler> = {}) {
  const handlers: Record<string, Handler> = {
    clouds: () => clouds,
    profiles_list: () => (state ? ['contoso'] : []),
    profile_load: () => profile,
    profile_save: (a) => a.profile,
    wizard_state_load: () => state,
    wizard_state_save: () => null,
    secret_status: () => ({ store: 'Secret Service', account: 'contoso.onmicrosoft.com/0b8e…', stored: true, warning: null }),
    powershell_script: () => ({ auth_path: 'entra-permission', commands: [{ why: 'Sign in', code: 'Connect-ExchangeOnline' }], add_recipient_permission: ["Add-RecipientPermission -Identity 'noreply@contoso.com'"] }),
    ...extra,
  };
  mockIPC((cmd, args) => {
    calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
    const handler = handlers[cmd];
    if (!handler) throw new Error(`unexpected command ${cmd}`);
    return handler((args ?? {}) as Record<string, unknown>);
  });
}

function savedAt(step: string) {
  return { version: 1, current: 'contoso', drafts: {}, progress: { contoso: { ...freshProgress(), step, visited: ['profile', 'app-registration', 'permissions', 'secret', 'service-principal', 'powershell', 'token', 'test-message'] } } };
}

async function settle() {
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 0));
    flushSync();
  }
}

const text = () => target.textContent ?? '';
const button = (label: string) =>
  [...target.querySelectorAll('button')].find((b) => b.textContent?.trim().startsWith(label)) as HTMLButtonElement;

beforeEach(() => {
  calls = [];
  target = document.createElement('div');
  document.body.appendChild(target);
});

afterEach(() => {
  unmount(app);
  target.remove();
  clearMocks();
});

describe('first run', () => {
  it('says so when the saved progress could not be read, and starts afresh', async () => {
    backend(null, {
      wizard_state_load: () => {
        throw { kind: 'unreadable', message: 'the saved wizard progress could not be read (x); it was moved to /c/wizard.json.unreadable-1', fields: [] };
      },
    });
    app = mount(App, { target });
    await settle();
    expect(target.querySelector('[role=alert]')?.textContent).toContain('moved to /c/wizard.json.unreadable-1');
    expect(text()).toContain('Step 1 of 9');
  });

  it('asks for a profile name and explains what is wrong on Next', async () => {
    backend(null);
    app = mount(App, { target });
    await settle();
    expect(text()).toContain('Step 1 of 9');
    const name = target.querySelector<HTMLInputElement>('#field-name')!;
    name.value = 'Contoso';
    name.dispatchEvent(new Event('input', { bubbles: true }));
    button('Next').click();
    await settle();
    expect(text()).toContain("profile name must be 1-64 lowercase letters");
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(calls.some((c) => c.cmd === 'profile_save')).toBe(false);

    name.value = 'contoso';
    name.dispatchEvent(new Event('input', { bubbles: true }));
    button('Next').click();
    await settle();
    expect(calls.find((c) => c.cmd === 'profile_save')?.args.profile).toMatchObject({ name: 'contoso' });
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
});

describe('token step', () => {
  it('shows the decoded claims, the checks and a link to the step that fixes a failure', async () => {
    const report: Report = {
      profile: 'contoso',
      token: {
        endpoint: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
        decoded_not_verified: true,
        expires_in: 3599,
        error: null,
        claims: { aud: 'https://outlook.office365.com', iss: null, tid: 't', oid: 'o', appid: 'a', azp: null, app_displayname: null, roles: null, exp: 1795000000, iat: null, nbf: null, ver: '1.0', idtyp: 'app' },
      },
      checks: [{ id: 'roles', status: 'fail', message: 'The token has no roles claim', step: 'permissions', suggestion: null }],
      smtp: null,
      diagnosis: [],
      outcome: 'fail',
    };
    backend(savedAt('token'), { fetch_token: () => report });
    app = mount(App, { target });
    await settle();
    button('Fetch token').click();
    await settle();
    expect(calls.find((c) => c.cmd === 'fetch_token')?.args.profile).toMatchObject({ name: 'contoso' });
    expect(text()).toContain('decoded, not verified');
    expect(target.querySelector('[data-claim="aud"]')?.textContent).toContain('https://outlook.office365.com');
    expect(target.querySelector('[data-claim="roles"]')?.textContent).toContain('(absent)');
    expect(target.querySelector('[data-step="permissions"]')?.getAttribute('data-status')).toBe('failed');
    button('Fix it in step 3').click();
    await settle();
    expect(target.querySelector('[data-current-step]')?.getAttribute('data-current-step')).toBe('permissions');
  });
});

describe('test message step', () => {
  it('shows the diagnosis card, which leads to the step to revisit', async () => {
    const report: Report = {
      profile: 'contoso',
      token: null,
      checks: [],
      smtp: {
        host: 'smtp.office365.com', port: 587, delivered: false,
        transcript: [{ from: 'server', line: '554 5.2.252 SendAsDenied; noreply@contoso.com not allowed' }],
        reply: { code: 554, enhanced: '5.2.252', text: 'SendAsDenied; noreply@contoso.com not allowed' },
        failure: { kind: 'rejected', stage: 'send', reply: { code: 554, enhanced: '5.2.252', text: 'SendAsDenied' } },
      },
      diagnosis: [{ code: '554 5.2.252', title: 'SendAs denied', cause: 'The app may not send as the From address.', fix: 'Run Add-RecipientPermission.', step: 'powershell', command: "Add-RecipientPermission -Identity 'noreply@contoso.com'" }],
      outcome: 'fail',
    };
    const sent = vi.fn(() => report);
    backend(savedAt('test-message'), { send_test: sent });
    app = mount(App, { target });
    await settle();
    button('Send test message').click();
    await settle();
    expect(sent).toHaveBeenCalledOnce();
    expect(calls.find((c) => c.cmd === 'send_test')?.args.to).toBe('admin@contoso.com');
    expect(text()).toContain('Not sent: 554 5.2.252');
    expect(target.querySelector('.diagnosis')?.textContent).toContain('SendAs denied');
    expect(text()).toContain('SMTP dialogue with smtp.office365.com:587');
    button('Go to step 6').click();
    await settle();
    expect(text()).toContain('Exchange PowerShell');
    expect(target.querySelector('[data-step="powershell"]')?.getAttribute('data-status')).toBe('failed');
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

describe('copy buttons', () => {
  it('copy the value next to them', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    backend(savedAt('review'));
    app = mount(App, { target });
    await settle();
    const row = target.querySelector('[data-setting="Client ID"]')!;
    row.querySelector('button')!.click();
    await settle();
    expect(writeText).toHaveBeenCalledWith(profile.client_id);
    expect(row.textContent).toContain('Copied');
  });
});
