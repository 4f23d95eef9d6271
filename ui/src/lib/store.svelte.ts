// The wizard's live state and the actions the components call. It holds the
// data (the profile being edited, progress per profile, results) and saves it
// after every change; the rules live in wizard.ts and validation.ts.

import type { CloudInfo, Field, FieldError, Profile, Progress as StageProgress, Report, Script, WizardStep } from './bindings';
import { IpcError, ipc, newOperation } from './ipc';
import { normalized, problemsSoFar } from './validation';
import {
  type Progress,
  STEPS,
  emptyProfile,
  freshProgress,
  nextStep,
  previousStep,
  stepProblems,
  stepStatuses,
  visit,
} from './wizard';

/** What is saved in wizard.json: enough to resume exactly where the user was. */
export interface SavedState {
  version: 1;
  current: string | null;
  drafts: Record<string, Profile>;
  progress: Record<string, Progress>;
}

const ALL_FIELDS: Field[] = [
  'name', 'tenant', 'client_id', 'sp_object_id', 'mailbox', 'sender', 'test_recipient',
  'smtp_host', 'smtp_port', 'authority', 'ca_file', 'secret_expires',
];

export type Busy = { operation: number; what: 'token' | 'send'; stage: string } | null;

export class Wizard {
  clouds = $state<CloudInfo[]>([]);
  profiles = $state<string[]>([]);
  /** The profile being edited; its name is fixed once it is created. */
  draft = $state<Profile>(emptyProfile());
  /** Saved in the store under `draft.name`. */
  created = $state(false);
  progress = $state<Progress>(freshProgress());
  /** Field errors to show, set when the user acts (Next, Save). */
  errors = $state<FieldError[]>([]);
  /** A message about the last action that failed outside a field. */
  notice = $state<{ kind: 'error' | 'info'; text: string; step?: WizardStep } | null>(null);
  busy = $state<Busy>(null);
  script = $state<Script | null>(null);
  scriptError = $state<string | null>(null);
  ready = $state(false);

  statuses = $derived(stepStatuses(this.draft, this.progress));

  #saved: SavedState = { version: 1, current: null, drafts: {}, progress: {} };
  #persistTimer: ReturnType<typeof setTimeout> | null = null;

  async init() {
    try {
      this.clouds = await ipc.clouds();
      this.profiles = await ipc.profilesList();
      const loaded = (await ipc.wizardStateLoad()) as SavedState | null;
      if (loaded && loaded.version === 1) this.#saved = { ...loaded, drafts: loaded.drafts ?? {}, progress: loaded.progress ?? {} };
      const current = this.#saved.current;
      if (current && this.profiles.includes(current)) await this.open(current, false);
    } catch (e) {
      this.fail(e);
    }
    this.ready = true;
  }

  get cloud(): CloudInfo | undefined {
    return this.clouds.find((c) => c.id === this.draft.cloud);
  }

  get step(): WizardStep {
    return this.progress.step;
  }

  /** Shows what went wrong, by the error's kind, with the step that fixes it. */
  fail(e: unknown) {
    if (!(e instanceof IpcError)) {
      this.notice = { kind: 'error', text: e instanceof Error ? e.message : String(e) };
      return;
    }
    switch (e.kind) {
      case 'cancelled':
        return;
      case 'no-secret':
        this.notice = { kind: 'error', text: e.message, step: 'secret' };
        return;
      case 'keychain-unavailable':
        this.notice = { kind: 'error', text: `${e.message}. Unlock or start the system keychain, then try again.` };
        return;
      case 'invalid-input': {
        this.errors = e.fields;
        const step = e.fields.length ? STEPS.find((s) => s.fields.includes(e.fields[0].field))?.id : undefined;
        this.notice = { kind: 'error', text: e.message, step: step !== this.step ? step : undefined };
        return;
      }
      default:
        this.notice = { kind: 'error', text: e.message };
    }
  }

  errorFor(field: Field): string | null {
    return this.errors.find((e) => e.field === field)?.message ?? null;
  }

  // --- editing -------------------------------------------------------------

  /** Sets one profile field and saves. Errors for that field are re-checked. */
  set<K extends keyof Profile>(field: K, value: Profile[K]) {
    this.draft = { ...this.draft, [field]: value };
    if (this.errors.some((e) => e.field === field)) {
      const again = problemsSoFar(this.draft, [field as Field]);
      this.errors = [...this.errors.filter((e) => e.field !== field), ...again];
    }
    this.changed();
  }

  /** Shows the problem of one field when the user leaves it. */
  blur(field: Field) {
    const found = problemsSoFar(this.draft, [field]);
    this.errors = [...this.errors.filter((e) => e.field !== field), ...found];
  }

  setProgress(patch: Partial<Progress>) {
    this.progress = { ...this.progress, ...patch };
    this.changed();
  }

  /** Saves the wizard state soon, and the profile when its values are valid so far. */
  changed() {
    if (this.#persistTimer) clearTimeout(this.#persistTimer);
    this.#persistTimer = setTimeout(() => void this.persist(), 250);
  }

  async persist() {
    this.#persistTimer = null;
    const draft = $state.snapshot(this.draft) as Profile;
    if (this.created) {
      this.#saved.current = draft.name;
      this.#saved.drafts[draft.name] = draft;
      this.#saved.progress[draft.name] = $state.snapshot(this.progress) as Progress;
      if (problemsSoFar(draft, ALL_FIELDS).length === 0) {
        try {
          await ipc.profileSave(normalized(draft));
        } catch (e) {
          // e.g. the CA file does not exist: said at the field, with its step
          this.fail(e);
        }
      }
    }
    try {
      await ipc.wizardStateSave(this.#saved);
    } catch (e) {
      this.fail(e);
    }
  }

  // --- profiles ------------------------------------------------------------

  /** Opens a saved profile, with its unsaved draft and progress if any. */
  async open(name: string, persist = true) {
    try {
      const stored = await ipc.profileLoad(name);
      this.draft = this.#saved.drafts[name] ?? stored;
      this.progress = { ...freshProgress(), ...(this.#saved.progress[name] ?? {}) };
      this.created = true;
      this.errors = [];
      this.notice = null;
      this.script = null;
      if (persist) this.changed();
      void this.refreshSecretStatus();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Starts a new, unnamed profile. */
  startNew() {
    this.draft = emptyProfile();
    this.progress = freshProgress();
    this.created = false;
    this.errors = [];
    this.notice = null;
    this.script = null;
  }

  /** Creates the profile under the name typed; true when it exists now. */
  async create(): Promise<boolean> {
    const problems = stepProblems('profile', this.draft, this.progress);
    if (problems.length) {
      this.errors = problems;
      return false;
    }
    const name = normalized(this.draft).name;
    if (this.profiles.includes(name)) {
      this.errors = [{ field: 'name', message: `a profile named ${name} already exists: open it from the list, or choose another name` }];
      return false;
    }
    try {
      this.draft = await ipc.profileSave(normalized(this.draft));
      this.created = true;
      this.profiles = await ipc.profilesList();
      this.changed();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  async deleteCurrent() {
    const name = this.draft.name;
    try {
      await ipc.profileDelete(name);
      delete this.#saved.drafts[name];
      delete this.#saved.progress[name];
      this.#saved.current = null;
      this.profiles = await ipc.profilesList();
      this.startNew();
      await ipc.wizardStateSave(this.#saved);
      this.notice = { kind: 'info', text: `Deleted profile ${name}. Its client secret stays in the keychain until you delete it there.` };
    } catch (e) {
      this.fail(e);
    }
  }

  async exportProfile() {
    const path = await ipc.chooseSavePath(`${this.draft.name}.json`, 'Profile', ['json']);
    if (!path) return;
    try {
      await ipc.profileExport(normalized(this.draft), path);
      this.notice = { kind: 'info', text: `Exported to ${path} (without the client secret).` };
    } catch (e) {
      this.fail(e);
    }
  }

  async importProfile() {
    const path = await ipc.chooseOpenPath('Profile', ['json']);
    if (!path) return;
    try {
      const profile = await ipc.profileImport(path);
      this.profiles = await ipc.profilesList();
      await this.open(profile.name);
      this.notice = { kind: 'info', text: `Imported profile ${profile.name}. Store its client secret in step 4.` };
    } catch (e) {
      this.fail(e);
    }
  }

  /** Picks the extra trusted CA file (Advanced). */
  async chooseCaFile() {
    const path = await ipc.chooseOpenPath('Certificate', ['pem', 'crt', 'cer']);
    if (path) this.set('ca_file', path);
  }

  // --- navigation ----------------------------------------------------------

  goto(step: WizardStep) {
    this.errors = [];
    this.notice = null;
    this.progress = visit(this.progress, step);
    this.changed();
  }

  /** Checks the step, then moves on; a new profile is created on the first Next. */
  async next(): Promise<boolean> {
    const problems = stepProblems(this.step, this.draft, this.progress);
    if (problems.length) {
      this.errors = problems;
      return false;
    }
    if (!this.created && !(await this.create())) return false;
    const target = nextStep(this.step);
    if (target) this.goto(target);
    return true;
  }

  back() {
    const target = previousStep(this.step);
    if (target) this.goto(target);
  }

  // --- secret --------------------------------------------------------------

  async refreshSecretStatus() {
    if (!this.draft.tenant || !this.draft.client_id) return;
    try {
      this.setProgress({ secret: await ipc.secretStatus(normalized(this.draft)) });
    } catch {
      // shown when the user acts on step 4; nothing to say before then
    }
  }

  async saveSecret(secret: string): Promise<boolean> {
    const problems = stepProblems('app-registration', this.draft, this.progress);
    if (problems.length) {
      this.notice = { kind: 'error', text: 'Enter the tenant and client ID (step 2) first: the secret is stored under them.' };
      return false;
    }
    try {
      this.setProgress({ secret: await ipc.secretSave(normalized(this.draft), secret) });
      this.notice = null;
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  async deleteSecret() {
    try {
      this.setProgress({ secret: await ipc.secretDelete(normalized(this.draft)) });
    } catch (e) {
      this.fail(e);
    }
  }

  // --- PowerShell ----------------------------------------------------------

  async loadScript() {
    try {
      this.script = await ipc.powershellScript(normalized(this.draft), this.progress.fullAccess);
      this.scriptError = null;
    } catch (e) {
      this.script = null;
      this.scriptError = e instanceof Error ? e.message : String(e);
    }
  }

  async saveScript() {
    const path = await ipc.chooseSavePath(`exchange-setup-${this.draft.name}.ps1`, 'PowerShell script', ['ps1']);
    if (!path) return;
    try {
      await ipc.powershellSave(normalized(this.draft), this.progress.fullAccess, path);
      this.notice = { kind: 'info', text: `Saved ${path}` };
    } catch (e) {
      this.fail(e);
    }
  }

  // --- network -------------------------------------------------------------

  async fetchToken() {
    const operation = newOperation();
    this.busy = { operation, what: 'token', stage: 'Requesting a token' };
    this.notice = null;
    try {
      const report: Report = await ipc.fetchToken(normalized(this.draft), operation);
      this.setProgress({ token: report });
    } catch (e) {
      this.fail(e);
    } finally {
      this.busy = null;
    }
  }

  async sendTest(to: string) {
    const operation = newOperation();
    this.busy = { operation, what: 'send', stage: 'token' };
    this.notice = null;
    try {
      const onProgress = (p: StageProgress) => {
        if (this.busy) this.busy = { ...this.busy, stage: p.stage === 'token' ? 'token' : p.step };
      };
      const report = await ipc.sendTest(normalized(this.draft), to, operation, onProgress);
      this.setProgress({ send: report });
    } catch (e) {
      this.fail(e);
    } finally {
      this.busy = null;
    }
  }

  async cancel() {
    if (this.busy) await ipc.cancel(this.busy.operation);
  }

  /** Uses the token's oid as the service principal object ID. */
  fillObjectIdFromToken() {
    const oid = this.progress.token?.token?.claims?.oid;
    if (oid) this.set('sp_object_id', oid);
  }
}

export const STEP_IDS = STEPS.map((s) => s.id);
