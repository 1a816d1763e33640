import { OverlayToaster, type ToastProps, type Toaster } from '@blueprintjs/core';

let toaster: Promise<Toaster> | undefined;

export function toast(props: ToastProps): void {
  toaster ??= OverlayToaster.create({ position: 'top', maxToasts: 4 });
  void toaster.then((t) => t.show({ timeout: 4000, ...props }));
}
