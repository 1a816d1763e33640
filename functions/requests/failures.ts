/** What a request's failure kind says, in words (the request's message; the dry run says the same). */
export const FAILURE_MESSAGES: Readonly<Record<string, string>> = {
  'approval-rejected': 'the approval was rejected',
  'approval-expired': 'the approval expired before anyone decided',
  'action-failed': 'an action failed',
  quota: 'over the team\'s quota',
  'manual-failed': 'the owning team could not fulfil it',
  invalid: 'the request is no longer valid',
  internal: 'an internal error stopped the fulfilment',
};
