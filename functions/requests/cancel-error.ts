/** The error a cancelled request's waiting step is failed with; the fulfilment ASL catches it. */
export const CANCELLED_ERROR = 'Apollo.Cancelled';
