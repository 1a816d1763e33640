/**
 * What other contexts may use of the identity context: the only module of it they import
 * (`#functions/identity/public`; functions/contexts.test.ts holds every context to that).
 */
export { listTeams } from './teams.ts';
// Notifications reach a team's members (an approval waiting for a named team).
export { teamMemberPrincipals, teamMembers, teamProfile } from './team-members.ts';
// The platform's adoption (GET /api/v1/stats/usage) is weekly active engineers as a share of the directory.
export { directorySize, directoryUser } from './directory-size.ts';
