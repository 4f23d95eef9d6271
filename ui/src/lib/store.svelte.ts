// The wizard's live state and the actions the components call. The profile
// file is the truth: the draft is saved over it (saying what it expects to
// find there), one save at a time; wizard.json keeps only where the user is.
// Results live in the store beside the profile, where the CLI's checks go
// too: read when a profile is opened, after every check and when the window
// comes back to the front. After every change the backend judges the
// results against the draft; the rail and every step show that judgement.

import {
  FIELD_LABELS,
  type CertificateInfo,
  type CloudInfo,
  type CredentialKind,
  type CustomEndpoint,
  type DeletePreview,
  type Evidence,
  type Field,
  type FieldError,
  type Format,
  type Handover,
  type Installed,
  type Judged,
  type Line,
  type Profile,
  type Progress as StageProgress,
  type Report,
  type Results,
  type Script,
  type Summary,
  type WizardStep,
} from './bindings';
import { IpcError, ipc, newOperation } from './ipc';
import { normalized, problemsSoFar } from './validation';
import {
  type Progress,
  STEPS,
  emptyProfile,
  fieldId,
  freshProgress,
  nextStep,
  previousStep,
  stepProblems,
  stepStatuses,
  stepsChecked,
  visit,
} from './wizard';

/** Where the user is in one profile, as wizard.json keeps it: the results are the store's. */
export type SavedProgress = Omit<Progress, 'results'>;

/** What is saved in wizard.json: where the user was, per profile. */
export interface SavedState {
  version: 3;
  current: string | null;
  progress: Record<string, SavedProgress>;
  /** Who runs the setups on this computer, for the hand-over report. */
  preparedBy?: string | null;
}

/** Every field a profile file holds (the cloud is always valid, the secret is not in it). */
const ALL_FIELDS = (Object.keys(FIELD_LABELS) as Field[]).filter((f) => f !== 'cloud' && f !== 'secret');

/** "Check all (sign-in only)" in the customers home: each profile's line as it finished. */
export interface FleetRun {
  /** While it runs: what cancels it. */
  operation: number | null;
  done: number;
  total: number;
  lines: Record<string, Line>;
}

export type Busy = { operation: number; what: 'token' | 'send' | 'sign-in'; stage: string } | null;

type Notice = { kind: 'error' | 'info'; text: string; step?: WizardStep };

/** Reads a saved state of any version; what an older one held that no longer fits is dropped, and said so. */
export function upgradeSavedState(loaded: unknown): { state: SavedState; note: string | null } {
  const fresh: SavedState = { version: 3, current: null, progress: {} };
  if (typeof loaded !== 'object' || loaded === null) return { state: fresh, note: null };
  const s = loaded as { version?: number; current?: string | null; progress?: Record<string, Partial<Progress>>; preparedBy?: string | null };
  const progress: Record<string, SavedProgress> = {};
  // The last step was called "review" before it became "finish".
  const renamed = (step: string): WizardStep => (step === 'review' ? 'finish' : (step as WizardStep));
  for (const [name, p] of Object.entries(s.progress ?? {})) {
    progress[name] = {
      step: renamed(p.step ?? 'profile'),
      visited: (p.visited ?? ['profile']).map(renamed),
      fullAccess: !!p.fullAccess,
    };
  }
  const ticked = Object.values(s.progress ?? {}).some((p) => (p.results?.ticks?.length ?? 0) > 0);
  const note =
    s.version === 1
      ? 'This version keeps track of what every result was checked with; the results and ticks of the earlier version were cleared, so fetch a token and send a test message again.'
      : s.version === 2 && ticked
        ? 'This version keeps results beside each profile, where smtp-oauth\'s checks go too. Your ticks (permission, consent, script) were not carried over: tick them again where you did.'
        : null;
  return { state: { version: 3, current: s.current ?? null, progress, preparedBy: s.preparedBy ?? null }, note };
}

export class Wizard {
  clouds = $state<CloudInfo[]>([]);
  profiles = $state<string[]>([]);
  /** The profile being edited; its name is fixed once it is created. */
  draft = $state<Profile>(emptyProfile());
  /** Saved in the store under `draft.name`. */
  created = $state(false);
  progress = $state<Progress>(freshProgress());
  /** The backend's judgement of the results against the draft. */
  judged = $state<Judged | null>(null);
  /** Field errors to show, set when the user acts (Next, Save). */
  errors = $state<FieldError[]>([]);
  /** A message about the last action that failed outside a field. */
  notice = $state<Notice | null>(null);
  busy = $state<Busy>(null);
  script = $state<Script | null>(null);
  scriptError = $state<string | null>(null);
  ready = $state(false);
  /** Whether every change is on disk: shown in the header. */
  saveState = $state<'saved' | 'saving' | 'failed'>('saved');
  /** Every saved profile with its state, for the profile switcher. */
  overview = $state<Summary[]>([]);
  /** The Finish page: the hand-over's verdict and settings. */
  handover = $state<Handover | null>(null);
  /** Who runs the setup, named in the hand-over report. */
  preparedBy = $state('');
  /** The customers home, or the open profile's steps: the home until a profile is open. */
  view = $state<'home' | 'steps'>('home');
  /** The last "Check all (sign-in only)" of this session. */
  fleet = $state<FleetRun | null>(null);

  statuses = $derived(stepStatuses(this.judged, this.created));
  /** Per step: whether a token or a test message checked it (the rail's solid marks). */
  checked = $derived(stepsChecked(this.judged));

  /** The profile as the file had it when opened or last saved: what the next save expects. */
  #base: Profile | null = null;
  #saved: SavedState = { version: 3, current: null, progress: {} };
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Saves and deletes, one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve();
  #judgement = 0;
  /** Changes made so far, and whether the last save failed. */
  #edits = 0;
  #saveFailed = false;

  async init() {
    try {
      this.clouds = await ipc.clouds();
      this.profiles = await ipc.profilesList();
      const upgraded = upgradeSavedState(await ipc.wizardStateLoad());
      this.#saved = upgraded.state;
      this.preparedBy = upgraded.state.preparedBy ?? '';
      if (upgraded.note) this.notice = { kind: 'info', text: upgraded.note };
      const current = this.#saved.current;
      // where the user was, else the two ways in and every customer
      if (current && this.profiles.includes(current)) await this.open(current, false);
      else await this.judge();
      if (this.created) this.view = 'steps';
    } catch (e) {
      this.fail(e);
    }
    this.ready = true;
    void this.refreshOverview();
    // back from a terminal where smtp-oauth ran a check: show what it found
    window.addEventListener('focus', () => void this.refreshFromStore());
  }

  /** Reads the results again from the store (a check run by smtp-oauth meanwhile shows), and every profile's state. */
  async refreshFromStore() {
    if (this.created && !this.busy) {
      await this.#reloadResults();
      await this.judge();
    }
    await this.refreshOverview();
  }

  /** The open profile's results, as the store has them now. */
  async #reloadResults() {
    const name = normalized(this.draft).name;
    try {
      const results = await ipc.resultsLoad(name);
      if (this.created && normalized(this.draft).name === name) this.progress = { ...this.progress, results };
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * A listed profile's state: for the open one the judgement the rail and
   * the steps show, taken again at every edit; the others' as the store has
   * them.
   */
  overallOf(summary: Summary): Summary['overall'] {
    return this.created && this.draft.name === summary.name ? (this.judged?.overall ?? summary.overall) : summary.overall;
  }

  /** Asks for every profile's state again, judged with its saved results. */
  async refreshOverview() {
    try {
      this.overview = await ipc.profilesOverview();
    } catch {
      // the switcher shows the names it has; opening one reports any problem
    }
  }

  get cloud(): CloudInfo | undefined {
    return this.clouds.find((c) => c.id === this.draft.cloud);
  }

  get step(): WizardStep {
    return this.progress.step;
  }

  /** Whether this step's own check (token, test message) passed and still holds: then Next leads. */
  get passed(): boolean {
    return (this.step === 'token' || this.step === 'test-message') && this.statuses[this.step] === 'ok';
  }

  /**
   * Where Next goes: the next step, past the ones a token has checked
   * already (the service principal and the token itself, which the token
   * fetched in the background after the credential was saved verifies), so
   * the admin is never sent to look at what needs nothing from them.
   */
  get forward(): WizardStep | null {
    let target = nextStep(this.step);
    while (target && CHECKED_BY_TOKEN.includes(target) && this.statuses[target] === 'ok' && this.checked[target]) {
      target = nextStep(target);
    }
    return target;
  }

  /** "Next", or after a pass or past a checked step "Next: <the step it goes to>". */
  get nextLabel(): string {
    const target = this.forward;
    const title = STEPS.find((s) => s.id === target)?.title;
    return (this.passed || target !== nextStep(this.step)) && title ? `Next: ${title}` : 'Next';
  }

  /** Whether the step has its own primary button (then Next is secondary). */
  get hasOwnAction(): boolean {
    if (this.passed) return false;
    switch (this.step) {
      case 'profile':
        return this.endpointsToConfirm.length > 0;
      case 'secret':
        return !this.progress.results.secret?.stored;
      case 'token':
      case 'test-message':
      case 'finish':
        return true;
      default:
        return false;
    }
  }

  get results(): Results {
    return this.progress.results;
  }

  /** Endpoints of an imported profile the user has yet to confirm. */
  get endpointsToConfirm(): CustomEndpoint[] {
    return this.judged?.endpoints_to_confirm ?? [];
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
      case 'endpoints-unconfirmed':
        this.notice = { kind: 'error', text: e.message, step: 'profile' };
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

  setResults(patch: Partial<Results>) {
    this.setProgress({ results: { ...this.progress.results, ...patch } });
  }

  /** Saves soon (typing settles first); every change lands in the queue in order. */
  changed() {
    this.#edits++;
    this.saveState = 'saving';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), 250);
  }

  /** Saves now what is pending, and judges the results against the draft. */
  async flush() {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const upTo = this.#edits;
    this.#saveFailed = false;
    await this.#enqueue(() => this.#persist());
    if (this.#edits === upTo) this.saveState = this.#saveFailed ? 'failed' : 'saved';
    await this.judge();
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #persist() {
    if (this.created && this.#base) {
      const draft = normalized($state.snapshot(this.draft) as Profile);
      const unchanged = JSON.stringify(draft) === JSON.stringify(normalized(this.#base));
      if (!unchanged && problemsSoFar(draft, ALL_FIELDS).length === 0) {
        try {
          this.#base = await ipc.profileSave(draft, this.#base);
        } catch (e) {
          this.#saveFailed = true;
          if (e instanceof IpcError && e.kind === 'changed-elsewhere') await this.#reloadChanged(draft.name);
          // e.g. the CA file does not exist: said at the field, with its step
          else this.fail(e);
        }
      }
      this.#saved.current = draft.name;
      const { step, visited, fullAccess } = this.progress;
      this.#saved.progress[draft.name] = { step, visited: [...visited], fullAccess };
    }
    try {
      await ipc.wizardStateSave(this.#saved);
    } catch (e) {
      this.#saveFailed = true;
      this.fail(e);
    }
  }

  /** The file changed under the wizard: show what it holds now, and say so. */
  async #reloadChanged(name: string) {
    try {
      const current = await ipc.profileLoad(name);
      this.#base = current;
      this.draft = current;
      this.notice = {
        kind: 'error',
        text: `Profile ${name} was changed outside this window (by smtp-oauth or another window). The wizard now shows the saved values; your last change was not saved.`,
      };
    } catch (e) {
      if (e instanceof IpcError && e.kind === 'not-found') {
        this.startNew();
        this.profiles = await ipc.profilesList();
        this.notice = { kind: 'error', text: `Profile ${name} was deleted outside this window.` };
      } else this.fail(e);
    }
  }

  /** Asks the backend how the results stand against the draft; the latest answer wins. */
  async judge() {
    const mine = ++this.#judgement;
    // The hand-over's verdict was written for the values as they were: away
    // from Finish it is dropped at every change, and written again there.
    if (this.progress.step !== 'finish') this.handover = null;
    try {
      const judged = await ipc.judge(normalized($state.snapshot(this.draft) as Profile), $state.snapshot(this.progress.results) as Results);
      if (mine === this.#judgement) this.judged = judged;
      if (mine === this.#judgement && this.progress.step === 'finish') void this.loadHandover();
    } catch (e) {
      this.fail(e);
    }
    // The secret status is per app: look again when the client ID changed.
    const client = normalized(this.draft).client_id.toLowerCase();
    // (a certificate's key is kept as `<client-id>#certificate-<thumbprint>`)
    const known = this.progress.results.secret?.account.split('#')[0] ?? null;
    if (mine === this.#judgement && client && known !== null && known !== client) void this.refreshSecretStatus();
  }

  // --- profiles ------------------------------------------------------------

  /** Opens a saved profile: its values from the file, its results from the store, its progress from wizard.json. */
  async open(name: string, persist = true) {
    await this.#queue;
    try {
      const stored = await ipc.profileLoad(name);
      const results = await ipc.resultsLoad(name);
      this.#base = stored;
      this.draft = stored;
      this.progress = { ...freshProgress(), ...(this.#saved.progress[name] ?? {}), results };
      this.created = true;
      this.errors = [];
      if (persist) this.notice = null;
      this.script = null;
      this.judged = null;
      if (persist) await this.flush();
      else await this.judge();
      void this.refreshSecretStatus();
      void this.refreshCertificate();
      void this.refreshOverview();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Starts a new, unnamed profile. */
  startNew() {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.draft = emptyProfile();
    this.certificate = null;
    this.#base = null;
    this.progress = freshProgress();
    this.created = false;
    this.errors = [];
    this.notice = null;
    this.script = null;
    void this.judge();
  }

  /** Creates the profile under the name typed; true when it exists now. */
  async create(): Promise<boolean> {
    const problems = stepProblems('profile', this.draft, this.progress);
    if (problems.length) {
      await this.showErrors(problems);
      return false;
    }
    try {
      const created = await this.#enqueue(() => ipc.profileCreate(normalized(this.draft)));
      this.#base = created;
      this.draft = created;
      this.created = true;
      this.profiles = await ipc.profilesList();
      this.changed();
      void this.refreshOverview();
      return true;
    } catch (e) {
      if (e instanceof IpcError && e.kind === 'exists') {
        const name = normalized(this.draft).name;
        await this.showErrors([{ field: 'name', message: `a profile named ${name} already exists: open it from the list, or choose another name` }]);
      } else this.fail(e);
      return false;
    }
  }

  /** What deleting the current profile would do to its app's secret. */
  deletePreview(): Promise<DeletePreview> {
    return ipc.profileDeletePreview(this.draft.name);
  }

  /** Deletes the current profile (and its app's secret when asked). No save runs after it. */
  async deleteCurrent(deleteSecret: boolean) {
    const name = this.draft.name;
    // Nothing more may be scheduled for it; what is queued runs first.
    this.created = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    try {
      const after = await this.#enqueue(() => ipc.profileDelete(name, deleteSecret));
      delete this.#saved.progress[name];
      this.#saved.current = null;
      this.profiles = await ipc.profilesList();
      this.startNew();
      await this.#enqueue(() => ipc.wizardStateSave(this.#saved));
      const secret = {
        deleted: ' Its client secret was deleted from the keychain.',
        kept: ' Its client secret stays in the keychain.',
        none: '',
      }[after.secret];
      this.notice = { kind: 'info', text: `Deleted profile ${name}.${secret}` };
      this.view = 'home';
      void this.refreshOverview();
    } catch (e) {
      this.created = true;
      this.fail(e);
    }
  }

  /** A copy for another mailbox of the same app, opened; false when it could not be made. */
  async duplicate(newName: string): Promise<boolean> {
    const from = this.draft.name;
    try {
      await this.flush();
      const copy = await ipc.profileDuplicate(from, newName);
      this.profiles = await ipc.profilesList();
      // its progress starts where a second mailbox starts: the step that asks the mailbox, then the script
      this.#saved.progress[copy.name] = { fullAccess: false, step: 'app-registration', visited: [...STEP_IDS.slice(0, STEP_IDS.indexOf('powershell') + 1)] };
      await this.open(copy.name);
      this.notice = { kind: 'info', text: `Made ${copy.name} from ${from}: the same app and secret. Enter its mailbox here.` };
      return true;
    } catch (e) {
      if (e instanceof IpcError && (e.kind === 'exists' || e.kind === 'invalid-input')) {
        this.notice = { kind: 'error', text: e.kind === 'exists' ? `a profile named ${newName.trim()} already exists: choose another name` : e.message };
      } else this.fail(e);
      return false;
    }
  }

  // --- the customers home ---------------------------------------------------

  /** Every customer, with the open one's changes on disk first. */
  async showHome() {
    await this.flush();
    this.notice = null;
    this.view = 'home';
    await this.refreshOverview();
  }

  /** "Set up a new customer": step 1 of a new profile. */
  newCustomer() {
    this.startNew();
    this.view = 'steps';
    this.goto('profile');
  }

  /** Opens a customer where the user was in it. */
  async openCustomer(name: string) {
    await this.open(name);
    if (this.created) this.view = 'steps';
  }

  /**
   * "Check or fix": the customer's sign-in checked at once (nothing is
   * sent), on the step that shows it with its diagnosis and "Fix in step N".
   */
  async checkOrFix(name: string) {
    await this.open(name);
    if (!this.created) return;
    this.#openThrough('test-message');
    this.view = 'steps';
    await this.checkSignIn();
  }

  /** Every customer's sign-in checked, side by side as `smtp-oauth check --all --auth-only` does; cancellable. */
  async checkAll() {
    const operation = newOperation();
    const run: FleetRun = { operation, done: 0, total: this.overview.length, lines: {} };
    this.fleet = run;
    try {
      await this.flush();
      const lines = await ipc.profilesCheckAll(operation, (line) => {
        if (this.fleet?.operation !== operation) return;
        this.fleet = { ...this.fleet, done: line.done, total: line.total, lines: { ...this.fleet.lines, [line.profile]: line } };
      });
      if (this.fleet?.operation === operation) {
        this.fleet = { operation: null, done: lines.length, total: lines.length, lines: Object.fromEntries(lines.map((l) => [l.profile, l])) };
      }
    } catch (e) {
      if (this.fleet?.operation === operation) this.fleet = { ...this.fleet, operation: null };
      this.fail(e);
    }
    await this.refreshOverview();
    if (this.created) await this.refreshFromStore();
  }

  async cancelCheckAll() {
    if (this.fleet?.operation) await ipc.cancel(this.fleet.operation);
  }

  /** For a setup that is done: straight to the token and the test message. */
  checkExisting() {
    this.#openThrough('token');
  }

  /** Goes to `step`, every step before it openable in the rail. */
  #openThrough(step: WizardStep) {
    const upTo = STEP_IDS.indexOf(step);
    const visited = [...new Set([...this.progress.visited, ...STEP_IDS.slice(0, upTo + 1)])];
    this.progress = { ...this.progress, visited };
    this.goto(step);
  }

  async exportProfile() {
    try {
      const path = await ipc.profileExport(normalized(this.draft));
      if (path) this.notice = { kind: 'info', text: `Exported to ${path} (without the client secret).` };
    } catch (e) {
      this.fail(e);
    }
  }

  /** Imports a profile from a file; `exists` when its name is taken (and `replace` is false). */
  async importProfile(replace = false): Promise<'done' | 'cancelled' | 'exists' | 'failed'> {
    try {
      const imported = await ipc.profileImport(replace);
      if (!imported) return 'cancelled';
      this.profiles = await ipc.profilesList();
      await this.open(imported.profile.name);
      const verb = imported.replaced ? 'Replaced' : 'Imported';
      this.notice = imported.custom_endpoints.length
        ? { kind: 'info', text: `${verb} profile ${imported.profile.name}. Check its endpoints below before using it.` }
        : { kind: 'info', text: `${verb} profile ${imported.profile.name}. Store its client secret in step 4.` };
      return 'done';
    } catch (e) {
      if (e instanceof IpcError && e.kind === 'exists') {
        this.notice = { kind: 'error', text: e.message };
        return 'exists';
      }
      this.fail(e);
      return 'failed';
    }
  }

  /** The user has seen the imported profile's endpoints and uses them. */
  async confirmEndpoints() {
    try {
      await this.#queue;
      const confirmed = await ipc.profileConfirmEndpoints(this.draft.name);
      this.#base = confirmed;
      this.draft = { ...this.draft, endpoints_unconfirmed: false };
      this.notice = null;
      await this.judge();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Picks the extra trusted CA file (Advanced). */
  async chooseCaFile() {
    try {
      const path = await ipc.chooseCaFile();
      if (path) this.set('ca_file', path);
    } catch (e) {
      this.fail(e);
    }
  }

  // --- navigation ----------------------------------------------------------

  /** Moves to a step, saved at once: closing the window right after loses nothing. */
  goto(step: WizardStep) {
    this.errors = [];
    this.notice = null;
    this.progress = visit(this.progress, step);
    this.#edits++;
    this.saveState = 'saving';
    void this.flush();
  }

  /** Shows `problems` and takes the user to the first bad field. */
  async showErrors(problems: FieldError[]) {
    this.errors = problems;
    await Promise.resolve();
    // after the DOM shows the errors
    await new Promise((r) => setTimeout(r, 0));
    const first = problems.length ? document.getElementById(fieldId(problems[0].field)) : null;
    if (first) {
      first.scrollIntoView?.({ block: 'center' });
      first.focus();
    }
  }

  /** Checks the step, then moves on; a new profile is created on the first Next. */
  async next(): Promise<boolean> {
    const problems = stepProblems(this.step, this.draft, this.progress);
    if (problems.length) {
      await this.showErrors(problems);
      return false;
    }
    if (!this.created && !(await this.create())) return false;
    const target = this.forward;
    if (target) this.goto(target);
    return true;
  }

  back() {
    const target = previousStep(this.step);
    if (target) this.goto(target);
  }

  // --- the user's ticks ----------------------------------------------------

  /** Ticks (recording what it was said for) or unticks `evidence`, in the store of results. */
  async setTick(evidence: Evidence, on: boolean) {
    try {
      await this.flush();
      const ticks = await ipc.record(evidence, normalized(this.draft), on);
      this.setResults({ ticks });
    } catch (e) {
      this.fail(e);
    }
  }

  // --- secret --------------------------------------------------------------

  async refreshSecretStatus() {
    if (!normalized(this.draft).client_id) return;
    try {
      this.setResults({ secret: await ipc.secretStatus(normalized(this.draft)) });
    } catch {
      // shown when the user acts on step 4; nothing to say before then
    }
  }

  async saveSecret(secret: string): Promise<boolean> {
    if (problemsSoFar(this.draft, ['client_id']).length || !normalized(this.draft).client_id) {
      this.notice = { kind: 'error', text: 'Enter the client ID (step 2) first: the secret is stored for that app.', step: 'app-registration' };
      return false;
    }
    try {
      this.setResults({ secret: await ipc.secretSave(normalized(this.draft), secret) });
      this.notice = null;
      void this.tokenInBackground();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  async deleteSecret() {
    try {
      this.setResults({ secret: await ipc.secretDelete(normalized(this.draft)) });
    } catch (e) {
      this.fail(e);
    }
  }

  // --- certificate ---------------------------------------------------------

  /** What the profile's certificate is (subject, thumbprints, dates), for step 4 and Finish. */
  certificate = $state<CertificateInfo | null>(null);

  /** Switches between a client secret and a certificate; the status is looked up for the new one. */
  setCredential(kind: CredentialKind) {
    if (this.draft.credential === kind) return;
    this.set('credential', kind);
    void this.refreshSecretStatus();
  }

  /** Reads the subject and thumbprints of the profile's certificate (the file holds only the PEM). */
  async refreshCertificate() {
    if (!this.draft.certificate) {
      this.certificate = null;
      return;
    }
    try {
      this.certificate = await ipc.certificateInfo(normalized(this.draft));
    } catch (e) {
      this.fail(e);
    }
  }

  /** A key pair and certificate made here, valid for `months`; the key goes to the keychain. */
  async createCertificate(months: number): Promise<boolean> {
    return this.#installCertificate(() => ipc.certificateCreate(normalized(this.draft), months));
  }

  /** A .pfx/.p12 (with `password`) or PEM chosen in a dialog; false when cancelled or refused. */
  async importCertificate(password: string | null): Promise<boolean> {
    return this.#installCertificate(() => ipc.certificateImport(normalized(this.draft), password));
  }

  async #installCertificate(work: () => Promise<Installed | null>): Promise<boolean> {
    if (problemsSoFar(this.draft, ['client_id']).length || !normalized(this.draft).client_id) {
      this.notice = { kind: 'error', text: 'Enter the client ID (step 2) first: the key is stored for that app.', step: 'app-registration' };
      return false;
    }
    try {
      const installed = await work();
      if (!installed) return false;
      // the profile as the backend says it must be saved, the certificate its credential
      this.draft = installed.profile;
      this.certificate = installed.info;
      this.setResults({ secret: installed.status });
      this.notice = null;
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  /** Saves the public certificate (.cer, or .pem) to upload to the app registration. */
  async saveCertificate(pem: boolean) {
    try {
      const path = await ipc.certificateSave(normalized(this.draft), pem);
      if (path) this.notice = { kind: 'info', text: `Saved the certificate to ${path}. Upload it in Certificates & secrets > Certificates.` };
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

  /** The script and a note for the customer's Exchange admin, side by side. */
  async savePackage() {
    try {
      const paths = await ipc.powershellPackage(normalized(this.draft), this.progress.fullAccess);
      if (paths) this.notice = { kind: 'info', text: `Saved ${paths}: send both to the customer's Exchange administrator.` };
    } catch (e) {
      this.fail(e);
    }
  }

  async saveScript() {
    try {
      const path = await ipc.powershellSave(normalized(this.draft), this.progress.fullAccess);
      if (path) this.notice = { kind: 'info', text: `Saved ${path}` };
    } catch (e) {
      this.fail(e);
    }
  }

  // --- network -------------------------------------------------------------

  /**
   * Once a client secret is stored, a token at once, without leaving the
   * step (a certificate made here still has to be uploaded first):
   * what it proves (consent, the object ID) settles on the steps before,
   * and an empty object ID fills itself. Nothing when a token cannot be
   * asked for yet (no profile, values missing, endpoints to confirm).
   */
  async tokenInBackground() {
    const p = normalized(this.draft);
    if (!this.created || this.busy || this.endpointsToConfirm.length) return;
    if (!p.tenant || !p.client_id || problemsSoFar(p, ['tenant', 'client_id', 'authority']).length) return;
    await this.fetchToken();
  }


  async fetchToken() {
    const done = await this.#check('token', 'Requesting a token', (operation) => ipc.fetchToken(normalized(this.draft), operation));
    if (done && !normalized(this.draft).sp_object_id) this.fillObjectIdFromToken();
  }

  /** Token, claims and SMTP up to 235 2.7.0, then QUIT: sends nothing. Kept as the token's result. */
  checkSignIn() {
    return this.#check('sign-in', 'token', (operation, onProgress) =>
      ipc.checkSignIn(normalized(this.draft), operation, onProgress),
    );
  }

  sendTest(to: string) {
    return this.#check('send', 'token', (operation, onProgress) =>
      ipc.sendTest(normalized(this.draft), to, operation, onProgress),
    );
  }

  /**
   * A network check, cancellable as `busy`, whose stages (when it reports
   * them) show as it goes; the backend keeps its report in the store, which
   * is read back and judged. True when it ran to a report.
   */
  async #check(
    what: NonNullable<Busy>['what'],
    stage: string,
    call: (operation: number, onProgress: (p: StageProgress) => void) => Promise<Report>,
  ): Promise<boolean> {
    const operation = newOperation();
    this.busy = { operation, what, stage };
    this.notice = null;
    try {
      await this.#queue;
      const onProgress = (p: StageProgress) => {
        if (this.busy) this.busy = { ...this.busy, stage: p.stage === 'token' ? 'token' : p.step };
      };
      await call(operation, onProgress);
      await this.#reloadResults();
      await this.flush();
      void this.refreshOverview();
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.busy = null;
    }
  }

  // --- finish --------------------------------------------------------------

  /** The hand-over is written from the store's results, which the backend reads itself. */
  #handoverArgs(): [Profile, string | null, boolean] {
    const by = this.preparedBy.trim() || null;
    return [normalized($state.snapshot(this.draft) as Profile), by, this.progress.fullAccess];
  }

  async loadHandover() {
    try {
      this.handover = await ipc.handover(...this.#handoverArgs());
    } catch (e) {
      this.fail(e);
    }
  }

  /** Remembers who runs the setups, for the next reports too. */
  setPreparedBy(name: string) {
    this.preparedBy = name;
    this.#saved.preparedBy = name.trim() || null;
    this.changed();
  }

  async saveHandover(format: Format) {
    try {
      const path = await ipc.handoverSave(...this.#handoverArgs(), format);
      if (path) this.notice = { kind: 'info', text: `Saved the hand-over report to ${path}. It holds no secret and no token.` };
    } catch (e) {
      this.fail(e);
    }
  }

  async printHandover() {
    try {
      const path = await ipc.handoverPrint(...this.#handoverArgs());
      this.notice = { kind: 'info', text: `Opened the report in your browser to print (${path}).` };
    } catch (e) {
      this.fail(e);
    }
  }

  async saveReminder() {
    try {
      const path = await ipc.reminderSave(normalized(this.draft));
      if (path) this.notice = { kind: 'info', text: `Saved the calendar reminder to ${path}: open it to add it to your calendar.` };
    } catch (e) {
      this.fail(e);
    }
  }

  /** Opens Microsoft's documentation in the browser. */
  async openDocs(url: string) {
    try {
      await ipc.openInBrowser(url);
    } catch (e) {
      this.fail(e);
    }
  }

  async cancel() {
    if (this.busy) await ipc.cancel(this.busy.operation);
  }

  /** Uses the token's oid as the service principal object ID. */
  /** The object ID from a token that still holds for this app (one for another app or tenant would name another's). */
  fillObjectIdFromToken() {
    const token = this.judged?.token;
    const oid = token && token.changed.length === 0 ? token.report.token?.claims?.oid : null;
    if (oid) this.set('sp_object_id', oid);
  }
}

export const STEP_IDS = STEPS.map((s) => s.id);

/** Steps Next passes over once a token checked them. */
const CHECKED_BY_TOKEN: WizardStep[] = ['service-principal', 'token'];
