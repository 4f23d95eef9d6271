// The one adapter between the frontend and the backend: every command and
// the opener go through here. Errors arrive as CommandError ({ kind,
// message, fields }) and are thrown as IpcError. No call passes a file path
// to the backend: saving and opening files happen in dialogs the backend
// opens.

import { Channel, invoke } from '@tauri-apps/api/core';
import { openUrl } from '@tauri-apps/plugin-opener';
import type {
  Cloud,
  CommandError,
  Commands,
  ErrorKind,
  Evidence,
  FieldError,
  Format,
  Line,
  Profile,
  Progress,
  Results,
} from './bindings';

/** This computer's offset from UTC in minutes east, in which the backend writes times. */
export function utcOffset(): number {
  return -new Date().getTimezoneOffset();
}

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

/** A command's arguments, as `src-tauri/contract.rs` names them. */
export type Args<C extends keyof Commands> = Commands[C]['args'];
/** A command's result. */
export type Result<C extends keyof Commands> = Commands[C]['result'];

/** Calls a command of the contract: its name, arguments and result are checked by the compiler. */
async function call<C extends keyof Commands>(
  command: C,
  ...args: Args<C> extends Record<string, never> ? [] : [Args<C>]
): Promise<Result<C>> {
  try {
    return await invoke<Result<C>>(command, args[0]);
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
  clouds: () => call('clouds'),
  portalLinks: (cloud: Cloud, clientId: string | null) => call('portal_links', { cloud, clientId }),

  profilesList: () => call('profiles_list'),
  profileLoad: (name: string) => call('profile_load', { name }),
  /** Creates a profile; `exists` when the name is taken. */
  profileCreate: (profile: Profile) => call('profile_create', { profile }),
  /** Saves over `base`, the profile as loaded or last saved; `changed-elsewhere` when the file moved on. */
  profileSave: (profile: Profile, base: Profile) => call('profile_save', { profile, base }),
  profileDeletePreview: (name: string) => call('profile_delete_preview', { name }),
  profileDelete: (name: string, deleteSecret: boolean) => call('profile_delete', { name, deleteSecret }),
  /** Opens a save dialog and writes the export; the path, or null when cancelled. */
  profileExport: (profile: Profile) => call('profile_export', { profile }),
  /** Opens an open dialog and imports; null when cancelled. */
  profileImport: (replace: boolean) => call('profile_import', { replace }),
  profileConfirmEndpoints: (name: string) => call('profile_confirm_endpoints', { name }),
  /** Another profile of the same app, for another mailbox. */
  profileDuplicate: (name: string, newName: string) => call('profile_duplicate', { name, newName }),
  /** Every saved profile with its state and its secret's expiry. */
  profilesOverview: () => call('profiles_overview', { utcOffset: utcOffset() }),
  chooseCaFile: () => call('choose_ca_file'),

  secretStatus: (profile: Profile) => call('secret_status', { profile }),
  /** The only call that carries the secret, once, as the user typed it. */
  secretSave: (profile: Profile, secret: string) => call('secret_save', { profile, secret }),
  secretDelete: (profile: Profile) => call('secret_delete', { profile }),

  /** Makes a key pair and certificate; the key goes to the keychain, never back here. */
  certificateCreate: (profile: Profile, months: number) => call('certificate_create', { profile, months }),
  /** Opens an open dialog (and a second for a PEM's key); carries the .pfx password once. Null when cancelled. */
  certificateImport: (profile: Profile, password: string | null) => call('certificate_import', { profile, password }),
  certificateInfo: (profile: Profile) => call('certificate_info', { profile }),
  /** Opens a save dialog and writes the public certificate (.cer, or .pem); the path, or null when cancelled. */
  certificateSave: (profile: Profile, pem: boolean) => call('certificate_save', { profile, pem }),

  powershellScript: (profile: Profile, fullAccess: boolean) => call('powershell_script', { profile, fullAccess }),
  /** Opens a save dialog and writes the .ps1; the path, or null when cancelled. */
  powershellSave: (profile: Profile, fullAccess: boolean) => call('powershell_save', { profile, fullAccess }),
  /** The .ps1 and a note for the customer's Exchange admin; the paths, or null when cancelled. */
  powershellPackage: (profile: Profile, fullAccess: boolean) => call('powershell_package', { profile, fullAccess }),
  adminConsentUrl: (profile: Profile) => call('admin_consent_url', { profile }),
  /** A pasted error, bounce or token explained against the profile on screen; nothing is sent or kept. */
  explain: (profile: Profile, text: string) => call('explain', { profile, text }),

  fetchToken: (profile: Profile, operation: number) => call('fetch_token', { profile, operation }),
  sendTest: (profile: Profile, to: string, operation: number, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call('send_test', { profile, to, operation, onProgress: channel });
  },
  /** Signs in over SMTP and quits: no message is sent. */
  checkSignIn: (profile: Profile, operation: number, onProgress: (p: Progress) => void) => {
    const channel = new Channel<Progress>();
    channel.onmessage = onProgress;
    return call('check_sign_in', { profile, operation, onProgress: channel });
  },
  profilesCheckAll: (operation: number, onDone: (line: Line) => void) => {
    const channel = new Channel<Line>();
    channel.onmessage = onDone;
    return call('profiles_check_all', { operation, onDone: channel });
  },
  cancel: (operation: number) => call('cancel', { operation }),

  /** Every stored result read against the profile as it is now. */
  judge: (profile: Profile, results: Results) => call('judge', { profile, results, utcOffset: utcOffset() }),
  /** The saved profile's results, from the one store both faces write. */
  resultsLoad: (name: string) => call('results_load', { name }),
  /** The user's tick, recorded with the values it depends on (or taken back); the ticks now. */
  record: (evidence: Evidence, profile: Profile, on: boolean) => call('record', { evidence, profile, on }),

  handover: (profile: Profile, preparedBy: string | null, fullAccess: boolean) =>
    call('handover', { profile, utcOffset: utcOffset(), preparedBy, fullAccess }),
  /** Opens a save dialog and writes the report; the path, or null when cancelled. */
  handoverSave: (profile: Profile, preparedBy: string | null, fullAccess: boolean, format: Format) =>
    call('handover_save', { profile, utcOffset: utcOffset(), preparedBy, fullAccess, format }),
  /** Writes the HTML report to a temporary file and opens it in the browser, to print; the file. */
  handoverPrint: (profile: Profile, preparedBy: string | null, fullAccess: boolean) =>
    call('handover_print', { profile, utcOffset: utcOffset(), preparedBy, fullAccess }),
  /** Opens a save dialog and writes the .ics; the path, or null when cancelled. */
  reminderSave: (profile: Profile) => call('reminder_save', { profile, utcOffset: utcOffset() }),

  wizardStateLoad: () => call('wizard_state_load'),
  wizardStateSave: (state: unknown) => call('wizard_state_save', { state }),

  /** Opens a Microsoft admin portal page in the system browser. */
  openInBrowser: async (url: string) => {
    try {
      await openUrl(url);
    } catch (e) {
      throw new IpcError('internal', `could not open the browser: ${String(e)}`);
    }
  },
};
