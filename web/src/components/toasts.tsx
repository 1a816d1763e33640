/**
 * The toasts (lib/toaster.ts) at the bottom right of the screen, where they cover no page heading, status or header
 * button; newest at the bottom, at most three: each goes by itself after its time (held while the pointer is on it or
 * it has focus), on its close button, or with Escape (all of them). A failure or warning is an alert to a screen
 * reader, anything else a status; a repeat shows its count.
 */
import { AnchorButton, Button, ButtonGroup, Classes, Icon, Tag } from '@blueprintjs/core';
import { useEffect, useState } from 'react';
import { TOAST_TIMEOUT_MS, toastRole, type ShownToast } from '../lib/toast-stack.ts';
import { clearToasts, dismissToast, useToasts } from '../lib/toaster.ts';

function ToastItem({ toast }: { toast: ShownToast }) {
  const [held, setHeld] = useState(false);
  // Its time starts again when it is repeated (since) or let go.
  useEffect(() => {
    if (held) return undefined;
    const timer = setTimeout(() => dismissToast(toast.id), toast.timeout ?? TOAST_TIMEOUT_MS);
    return () => clearTimeout(timer);
  }, [held, toast.id, toast.since, toast.timeout]);
  const hold = () => setHeld(true);
  const release = () => setHeld(false);
  return (
    <div className={`${Classes.TOAST} ${Classes.intentClass(toast.intent) ?? ''} apollo-toast`} role={toastRole(toast.intent)} aria-atomic="true"
      tabIndex={0} onMouseEnter={hold} onMouseLeave={release} onFocus={hold} onBlur={release}
      data-testid="toast" data-intent={toast.intent ?? 'none'} data-count={toast.count}>
      {toast.icon && <Icon icon={toast.icon} />}
      <span className={Classes.TOAST_MESSAGE}>
        {toast.message}
        {toast.count > 1 && <Tag minimal round className="apollo-toast-count" data-testid="toast-count" aria-label={`shown ${toast.count} times`}>×{toast.count}</Tag>}
      </span>
      <ButtonGroup variant="minimal">
        {toast.action && <AnchorButton text={toast.action.text} onClick={() => { toast.action!.onClick(); dismissToast(toast.id); }} />}
        <Button aria-label="Close" icon="cross" onClick={() => dismissToast(toast.id)} />
      </ButtonGroup>
    </div>
  );
}

export function Toasts() {
  const shown = useToasts((s) => s.shown);
  return (
    <div className={`${Classes.TOAST_CONTAINER} ${Classes.TOAST_CONTAINER}-bottom ${Classes.TOAST_CONTAINER}-right ${Classes.TOAST_CONTAINER}-in-portal`} data-testid="toasts"
      onKeyDown={(e) => { if (e.key === 'Escape') clearToasts(); }}>
      {shown.map((t) => <ToastItem key={t.id} toast={t} />)}
    </div>
  );
}
