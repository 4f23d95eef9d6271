// The one adapter between the frontend and the backend: every command, the
// dialogs and the opener go through here. Errors arrive as CommandError
// ({ kind, message, fields }) and are thrown as IpcError.

import { Channel, invoke } from '@tauri-apps/api/core';
import { open as openDialog, save as saveDialog } from '@tauri-apps/plugin-dialog';
import { openUrl } from '@tauri-apps/plugin-opener';
import type {
  CloudInfo,
  CommandError,
  ErrorKind,
  FieldError,
  PortalLinks,
  Profile,
  Progress,
  Report,
  Script,
  SecretStatus,
  Cloud,
} from './bindings';

export class IpcError extends Error {
  readonly kind: ErrorKind | 'internal';
  readonly fields: FieldError[];

  constructor(kind: ErrorKind | 'internal', message: string, fields: FieldError[] = []) {
    super(message);
    this.kind = kind;
    this.fields = fields;
  }
}

function isCommandError(e: unknown): e is CommandError {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    if (isCommandError(e)) throw new IpcError(e.kind, e.message, e.fields ?? []);
    throw new IpcError('internal', String(e));
  }
}

let nextOperation = 1;
/** An ID for a cancellable operation. */
export function newOperation(): number {
  return nextOperation++;
}

export const ipc = {
  clouds: () => call<CloudInfo[]>('clouds'),
  portalLinks: (cloud: Cloud, clientId: string | null) => call<PortalLinks>('portal_links', { cloud, clientId }),

  profilesList: () => call<string[]>('profiles_list'),
  profileLoad: (name: string) => call<Profile>('profile_load', { name }),
  profileSave: (profile: Profile) => call<Profile>('profile_save', { profile }),
  profileDelete: (name: string) => call<void>('profile_delete', { name }),
  profileExport: (profile: Profile, path: string) => call<void>('profile_export', { profile, path }),
  profileImport: (path: string) => call<Profile>('profile_import', { path }),

  secretStatus: (profile: Profile) => call<SecretStatus>('secret_status', { profile }),
  /** The only call that carries the secret, once, as the user typed it. */
  secretSave: (profile: Profile, secret: string) => call<SecretStatus>('secret_save', { profile, secret }),
  secretDelete: (profile: Profile) => call<SecretStatus>('secret_delete', { profile }),

  powershellScript: (profile: Profile, fullAccess: boolean) => call<Script>('powershell_script', { profile, fullAccess }),
  powershellSave: (profile: Profile, fullAccess: boolean, path: string) =>
    call<void>('powershell_save', { profile, fullAccess, path }),

  fetchToken: (profile: Profile, operation: number) => call<Report>('fetch_token', { profile, operation }),
  sendTest: (profile: Profile, to: string, operation: number, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call<Report>('send_test', { profile, to, operation, onProgress: channel });
  },
  cancel: (operation: number) => call<boolean>('cancel', { operation }),

  wizardStateLoad: () => call<unknown | null>('wizard_state_load'),
  wizardStateSave: (state: unknown) => call<void>('wizard_state_save', { state }),

  /** Opens a Microsoft admin portal page in the system browser. */
  openInBrowser: async (url: string) => {
    try {
      await openUrl(url);
    } catch (e) {
      throw new IpcError('internal', `could not open the browser: ${String(e)}`);
    }
  },
  /** A path chosen in the system's save dialog, or null when cancelled. */
  chooseSavePath: async (defaultPath: string, name: string, extensions: string[]) =>
    saveDialog({ defaultPath, filters: [{ name, extensions }] }),
  chooseOpenPath: async (name: string, extensions: string[]) => {
    const chosen = await openDialog({ multiple: false, directory: false, filters: [{ name, extensions }] });
    return typeof chosen === 'string' ? chosen : null;
  },
};
