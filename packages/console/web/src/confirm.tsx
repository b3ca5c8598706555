import { useEffect, useRef } from 'preact/hooks';

/**
 * Asks before a verb that loses something (delete). The confirming button takes the focus, so
 * Enter confirms and Tab reaches Cancel; the question is read out as an alert dialog.
 */
export function ConfirmBar({
  question,
  verb,
  onConfirm,
  onCancel,
}: {
  question: string;
  verb: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), [question]);
  return (
    <div class="confirm" role="alertdialog" aria-labelledby="confirm-question">
      <span id="confirm-question">{question}</span>
      <button type="button" class="danger" ref={ref} onClick={onConfirm}>
        {verb}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
