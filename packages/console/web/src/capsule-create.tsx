import { useState } from 'preact/hooks';
import type { Api } from './api';
import { capsuleName, type CapsuleView } from './capsule-view';
import { EXAMPLE_TEMPLATE, MAX_TEMPLATE_BYTES, readTemplate } from './capsule-template';

/**
 * Create a capsule from a template (YAML or JSON) typed or loaded from a file. What is wrong
 * with it, whether the browser could not read it or the API refused it, is shown right under
 * the text, which keeps everything typed so it can be fixed and sent again.
 */
export function CapsuleCreatePage({
  api,
  onCreated,
  onCancel,
}: {
  api: Api;
  onCreated: (uuid: string, notice: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [loaded, setLoaded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (input: HTMLInputElement): Promise<void> => {
    const file = input.files?.[0];
    if (!file) return;
    if (file.size > MAX_TEMPLATE_BYTES) {
      setProblem(`${file.name} is ${file.size} bytes; a template may hold at most 16 KiB.`);
      return;
    }
    try {
      setText(await file.text());
      setLoaded(file.name);
      setProblem(null);
    } catch (err) {
      setProblem(`${file.name} could not be read: ${(err as Error).message}`);
    }
  };

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const reading = readTemplate(text);
    if (!reading.ok) {
      setProblem(reading.error);
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const made = await api.request<CapsuleView>('POST', '/v1/capsules/', { template: reading.template });
      onCreated(made.uuid, `Request to create capsule ${capsuleName(made)} has been accepted.`);
    } catch (err) {
      setProblem((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="capsule-create-title">
      <div class="toolbar">
        <h1 id="capsule-create-title">Create capsule</h1>
      </div>
      <form class="capsule-create" onSubmit={submit} noValidate>
        <div class="template-tools">
          <label>
            Load a template file (YAML or JSON)
            <input
              type="file"
              accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain"
              onChange={(e) => void load(e.currentTarget)}
            />
          </label>
          <button
            type="button"
            onClick={() => (setText(EXAMPLE_TEMPLATE), setLoaded(null), setProblem(null))}
          >
            Insert an example
          </button>
        </div>
        <label class="template">
          Template (YAML or JSON, required){loaded && <small> loaded from {loaded}</small>}
          <textarea
            name="template"
            rows={18}
            spellcheck={false}
            value={text}
            placeholder={EXAMPLE_TEMPLATE}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'template-problem' : undefined}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        {problem && (
          <div id="template-problem" class="template-problem" role="alert">
            <strong>The capsule was not created.</strong> {problem}
          </div>
        )}
        <div class="wizard-buttons">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      </form>
    </section>
  );
}
