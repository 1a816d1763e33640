/**
 * The egress guard of the requests' actions: the one in functions/lib/egress.ts, which the health checks of the
 * service catalog keep to as well.
 */
export * from '#lib/egress';
