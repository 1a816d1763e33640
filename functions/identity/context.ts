/** The identity context: who I am, teams and their members, web users' roles. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'identity',
  summary: 'Who I am, teams and their members, and web users\' roles',
  // PUT /api/v1/users/{user}/role moves a web user to another group of the user pool.
  bindings: ['user-admin'],
};
