import { useState } from 'preact/hooks';
import type { Api } from './api';
import type { ContainerView } from './events';
import { Message } from './ui';

const STEPS = [
  'Info',
  'Spec',
  'Volumes',
  'Networks',
  'Security groups',
  'Miscellaneous',
  'Labels',
  'Scheduler hints',
] as const;
type Step = (typeof STEPS)[number];

interface Form {
  name: string;
  image: string;
  command: string;
  imagePullPolicy: string;
  run: boolean;
  hostname: string;
  cpu: string;
  memory: string;
  disk: string;
  exitPolicy: string;
  maxRetry: string;
  autoHeal: boolean;
  mounts: string;
  nets: string;
  securityGroups: string;
  workdir: string;
  environment: string;
  interactive: boolean;
  labels: string;
  hints: string;
}

const EMPTY: Form = {
  name: '',
  image: '',
  command: '',
  imagePullPolicy: '',
  run: true,
  hostname: '',
  cpu: '',
  memory: '',
  disk: '',
  exitPolicy: '',
  maxRetry: '',
  autoHeal: false,
  mounts: '',
  nets: '',
  securityGroups: 'default',
  workdir: '',
  environment: '',
  interactive: false,
  labels: '',
  hints: '',
};

/** `K=V,K2=V2` as zun-ui takes environment, labels and hints. */
function keyValues(text: string, what: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`${what}: "${part}" is not KEY=VALUE.`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return Object.keys(out).length ? out : undefined;
}

/** A shell-like split: words, with "double" or 'single' quoted words kept whole. */
function splitCommand(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The create request as the API takes it; empty fields are left out. */
export function createBody(f: Form): Record<string, unknown> {
  const body: Record<string, unknown> = { image: f.image.trim() };
  if (!body.image) throw new Error('Info: the image is required.');
  if (f.name.trim()) body.name = f.name.trim();
  if (f.command.trim()) body.command = splitCommand(f.command);
  if (f.imagePullPolicy) body.image_pull_policy = f.imagePullPolicy;
  if (f.hostname.trim()) body.hostname = f.hostname.trim();
  if (f.cpu.trim()) body.cpu = Number(f.cpu);
  if (f.memory.trim()) body.memory = f.memory.trim();
  if (f.disk.trim()) body.disk = Number(f.disk);
  if (f.exitPolicy === 'remove') body.auto_remove = true;
  else if (f.exitPolicy)
    body.restart_policy = {
      Name: f.exitPolicy,
      MaximumRetryCount: f.exitPolicy === 'on-failure' ? String(Number(f.maxRetry || 0)) : '0',
    };
  if (f.autoHeal) body.auto_heal = true;
  const mounts = f.mounts
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [source, destination] = line.split(':').map((s) => s.trim());
      if (!source || !destination)
        throw new Error(`Volumes: "${line}" is not SOURCE:/destination or SIZE:/destination.`);
      return /^\d+$/.test(source) ? { size: Number(source), destination } : { source, destination };
    });
  if (mounts.length) body.mounts = mounts;
  const nets = f.nets
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (nets.length) body.nets = nets.map((network) => ({ network }));
  const groups = f.securityGroups
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (groups.length) body.security_groups = groups;
  if (f.workdir.trim()) body.workdir = f.workdir.trim();
  const env = keyValues(f.environment, 'Miscellaneous, environment');
  if (env) body.environment = env;
  if (f.interactive) body.interactive = true;
  const labels = keyValues(f.labels, 'Labels');
  if (labels) body.labels = labels;
  const hints = keyValues(f.hints, 'Scheduler hints');
  if (hints) body.hints = hints;
  return body;
}

export function CreateWizard({
  api,
  onDone,
  onCancel,
}: {
  api: Api;
  onDone: (c: ContainerView) => void;
  onCancel: () => void;
}) {
  const [f, setF] = useState<Form>(EMPTY);
  const [step, setStep] = useState<Step>('Info');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set =
    <K extends keyof Form>(k: K) =>
    (e: Event) => {
      const t = e.currentTarget as HTMLInputElement;
      setF({ ...f, [k]: t.type === 'checkbox' ? t.checked : t.value });
    };
  const text = (k: keyof Form, label: string, extra: Record<string, unknown> = {}) => (
    <label>
      {label}
      <input value={String(f[k])} onInput={set(k)} {...extra} />
    </label>
  );
  const check = (k: keyof Form, label: string) => (
    <label class="check">
      <input type="checkbox" checked={Boolean(f[k])} onChange={set(k)} /> {label}
    </label>
  );
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    let body: Record<string, unknown>;
    try {
      body = createBody(f);
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    setBusy(true);
    try {
      onDone(await api.request<ContainerView>('POST', `/v1/containers${f.run ? '?run=true' : ''}`, body));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const index = STEPS.indexOf(step);
  return (
    <section aria-labelledby="wizard-title">
      <h1 id="wizard-title">Create container</h1>
      <div role="tablist" class="tabs steps">
        {STEPS.map((s, i) => (
          <button type="button" role="tab" aria-selected={s === step} onClick={() => setStep(s)}>
            {i + 1}. {s}
          </button>
        ))}
      </div>
      {error && <Message kind="error">{error}</Message>}
      <form class="wizard" onSubmit={submit}>
        <fieldset hidden={step !== 'Info'}>
          <legend>Info</legend>
          {text('name', 'Name')}
          {text('image', 'Image (required)', { 'aria-required': 'true', placeholder: 'busybox' })}
          {text('command', 'Command', { placeholder: 'sleep 3600' })}
          <label>
            Image pull policy
            <select value={f.imagePullPolicy} onChange={set('imagePullPolicy')}>
              <option value="">default</option>
              <option value="ifnotpresent">If not present</option>
              <option value="always">Always</option>
              <option value="never">Never</option>
            </select>
          </label>
          {check('run', 'Start container after creation')}
        </fieldset>
        <fieldset hidden={step !== 'Spec'}>
          <legend>Spec</legend>
          {text('hostname', 'Hostname')}
          {text('cpu', 'CPU', { type: 'number', step: '0.1', min: '0' })}
          {text('memory', 'Memory (MiB)', { type: 'number', min: '6' })}
          {text('disk', 'Disk (GiB)', { type: 'number', min: '0' })}
          <label>
            Exit policy
            <select value={f.exitPolicy} onChange={set('exitPolicy')}>
              <option value="">No</option>
              <option value="on-failure">Restart on failure</option>
              <option value="always">Always restart</option>
              <option value="unless-stopped">Restart if stopped</option>
              <option value="remove">Remove container</option>
            </select>
          </label>
          {f.exitPolicy === 'on-failure' && text('maxRetry', 'Max retry', { type: 'number', min: '0' })}
          {check('autoHeal', 'Enable auto heal')}
        </fieldset>
        <fieldset hidden={step !== 'Volumes'}>
          <legend>Volumes</legend>
          <label>
            One per line: <code>volume-name:/destination</code> (the project's volume) or{' '}
            <code>SIZE:/destination</code> (a new volume of SIZE GiB)
            <textarea rows={4} value={f.mounts} onInput={set('mounts')} />
          </label>
        </fieldset>
        <fieldset hidden={step !== 'Networks'}>
          <legend>Networks</legend>
          {text('nets', "Project networks, comma separated (blank: the project's default)")}
        </fieldset>
        <fieldset hidden={step !== 'Security groups'}>
          <legend>Security groups</legend>
          {text('securityGroups', 'Security groups, comma separated (each project has "default")')}
        </fieldset>
        <fieldset hidden={step !== 'Miscellaneous'}>
          <legend>Miscellaneous</legend>
          {text('workdir', 'Working directory')}
          {text('environment', 'Environment (KEY=VALUE,KEY2=VALUE2)')}
          {check('interactive', 'Enable interactive mode (a TTY the console attaches to)')}
        </fieldset>
        <fieldset hidden={step !== 'Labels'}>
          <legend>Labels</legend>
          {text('labels', 'Labels (KEY=VALUE,...)')}
        </fieldset>
        <fieldset hidden={step !== 'Scheduler hints'}>
          <legend>Scheduler hints</legend>
          {text('hints', 'Hints (KEY=VALUE,...)')}
        </fieldset>
        <div class="wizard-buttons">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="button" disabled={index === 0} onClick={() => setStep(STEPS[index - 1])}>
            ‹ Back
          </button>
          <button
            type="button"
            disabled={index === STEPS.length - 1}
            onClick={() => setStep(STEPS[index + 1])}
          >
            Next ›
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </section>
  );
}
