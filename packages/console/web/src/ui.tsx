import type { ComponentChildren } from 'preact';

/** A message of the app: an API error (role=alert, read out at once) or a notice. */
export function Message({
  kind,
  children,
  onClose,
}: {
  kind: 'error' | 'info';
  children: ComponentChildren;
  onClose?: () => void;
}) {
  return (
    <div class={`msg msg-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <span>{children}</span>
      {onClose && (
        <button type="button" class="link" aria-label="Dismiss message" onClick={onClose}>
          ×
        </button>
      )}
    </div>
  );
}

export function StatusBadge({ status, task }: { status: string; task?: unknown }) {
  return (
    <span class={`status status-${status.toLowerCase()}`} data-status={status}>
      {status}
      {task ? <span class="task"> ({String(task)})</span> : null}
    </span>
  );
}

export const short = (uuid: string): string => uuid.slice(0, 8);
