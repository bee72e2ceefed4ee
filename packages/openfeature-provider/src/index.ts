export { ShipgateProvider, type ShipgateProviderOptions } from './shipgate-provider';
export { changedFlagKeys } from './changed-flags';
export { SseParser, openEventStream, type SseEvent } from './sse-client';
