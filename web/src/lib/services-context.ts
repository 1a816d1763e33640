import { createContext, useContext } from 'react';
import type { Services } from './api.ts';

export const ServicesContext = createContext<(Services & { signOut(): Promise<void> }) | null>(null);

export function useServices(): Services & { signOut(): Promise<void> } {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside a signed-in session');
  return services;
}
