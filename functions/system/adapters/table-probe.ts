import type { HealthProbe } from '../ports.ts';
import { getItem } from '#lib/table';

/** The table answers a strongly consistent read (of a key that needn't exist). */
export const tableProbe: HealthProbe = {
  name: 'dynamodb',
  critical: true,
  check: async () => {
    await getItem({ PK: 'SYSTEM', SK: 'PROBE' }, { consistent: true });
  },
};
