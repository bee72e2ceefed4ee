/**
 * The catalogue of breaking-change checks: stable ids (oasdiff's where oasdiff has one) and
 * default levels. docs/verify/openapi-checks.md has one section per id; a test keeps the two in step.
 */

/** ERR: breaks clients for certain; WARN: may break them; INFO: compatible, reported for the record. */
export type Level = 'ERR' | 'WARN' | 'INFO';

export const LEVEL_RANK: Record<Level, number> = { INFO: 0, WARN: 1, ERR: 2 };

export const CHECKS = {
  'endpoint-added': { level: 'INFO', text: 'an operation was added' },
  'api-path-removed-without-deprecation': { level: 'ERR', text: 'a path was removed without being deprecated first' },
  'api-removed-without-deprecation': { level: 'ERR', text: 'an operation was removed without being deprecated first' },
  'api-removed-after-deprecation': { level: 'WARN', text: 'a deprecated operation (or path) was removed' },
  'new-required-request-parameter': { level: 'ERR', text: 'a required request parameter was added' },
  'new-optional-request-parameter': { level: 'INFO', text: 'an optional request parameter was added' },
  'request-parameter-removed': { level: 'WARN', text: 'a request parameter was removed' },
  'request-parameter-became-required': { level: 'ERR', text: 'an optional request parameter became required' },
  'request-parameter-became-optional': { level: 'INFO', text: 'a required request parameter became optional' },
  'request-parameter-type-changed': { level: 'ERR', text: 'the type of a request parameter changed so that values valid before are refused' },
  'request-parameter-type-generalized': { level: 'INFO', text: 'a request parameter accepts more types than before' },
  'request-parameter-enum-value-removed': { level: 'ERR', text: 'a value was removed from the enum of a request parameter' },
  'request-parameter-enum-value-added': { level: 'INFO', text: 'a value was added to the enum of a request parameter' },
  'request-body-removed': { level: 'ERR', text: 'the request body was removed' },
  'request-body-added-required': { level: 'ERR', text: 'a required request body was added' },
  'request-body-added-optional': { level: 'INFO', text: 'an optional request body was added' },
  'request-body-became-required': { level: 'ERR', text: 'an optional request body became required' },
  'request-body-became-optional': { level: 'INFO', text: 'a required request body became optional' },
  'request-body-media-type-removed': { level: 'ERR', text: 'a media type of the request body was removed' },
  'request-body-type-changed': { level: 'ERR', text: 'the type of the request body changed so that bodies valid before are refused' },
  'request-body-enum-value-removed': { level: 'ERR', text: 'a value was removed from the enum of the request body' },
  'new-required-request-property': { level: 'ERR', text: 'a required request property was added' },
  'new-optional-request-property': { level: 'INFO', text: 'an optional request property was added' },
  'request-property-removed': { level: 'WARN', text: 'a request property was removed' },
  'request-property-became-required': { level: 'ERR', text: 'an optional request property became required' },
  'request-property-became-optional': { level: 'INFO', text: 'a required request property became optional' },
  'request-property-type-changed': { level: 'ERR', text: 'the type of a request property changed so that values valid before are refused' },
  'request-property-type-generalized': { level: 'INFO', text: 'a request property accepts more types than before' },
  'request-property-became-not-nullable': { level: 'ERR', text: 'a request property no longer accepts null' },
  'request-property-enum-value-removed': { level: 'ERR', text: 'a value was removed from the enum of a request property' },
  'request-property-enum-value-added': { level: 'INFO', text: 'a value was added to the enum of a request property' },
  'request-property-max-length-decreased': { level: 'ERR', text: 'the maxLength of a request string decreased' },
  'response-success-status-removed': { level: 'ERR', text: 'a success (2xx) response status was removed' },
  'response-non-success-status-removed': { level: 'INFO', text: 'a non-success response status was removed' },
  'response-mediatype-removed': { level: 'ERR', text: 'a media type of a success response was removed' },
  'response-body-type-changed': { level: 'ERR', text: 'the type of a response body changed so that clients may get values they never got before' },
  'response-required-property-removed': { level: 'ERR', text: 'a required response property was removed' },
  'response-optional-property-removed': { level: 'WARN', text: 'an optional response property was removed' },
  'response-property-became-optional': { level: 'ERR', text: 'a required response property became optional' },
  'response-property-type-changed': { level: 'ERR', text: 'the type of a response property changed so that clients may get values they never got before' },
  'response-property-became-nullable': { level: 'ERR', text: 'a response property may now be null' },
  'response-property-enum-value-added': { level: 'ERR', text: 'a value was added to the enum of a response property (or body)' },
  'response-property-enum-value-removed': { level: 'INFO', text: 'a value was removed from the enum of a response property (or body)' },
  'response-property-added': { level: 'INFO', text: 'a response property was added' },
  'api-security-added': { level: 'ERR', text: 'an operation that needed no credentials now needs some' },
  'api-security-changed': { level: 'ERR', text: 'an operation now needs credentials some clients may not have (a scheme added, replaced or combined)' },
  'api-security-scope-added': { level: 'ERR', text: 'an OAuth/OpenID scope was added to a security requirement' },
  'api-security-removed': { level: 'INFO', text: 'an operation needs fewer credentials than before' },
  'security-scheme-removed': { level: 'ERR', text: 'a security scheme used by operations was removed from components' },
  'security-scheme-changed': { level: 'ERR', text: 'a security scheme changed its type, HTTP scheme, or where its key is sent' },
} as const satisfies Record<string, { level: Level; text: string }>;

export type CheckId = keyof typeof CHECKS;

export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

/** Which way a finding was found: forward (BASE → REVISION) blocks consumers, rollback (REVISION → BASE) blocks going back. */
export type Direction = 'forward' | 'rollback';

/** One change found by a check. */
export interface Finding {
  id: CheckId;
  level: Level;
  direction: Direction;
  /** Upper-case HTTP method, or undefined for document-level changes (components). */
  method?: string;
  /** The path as written in the document the finding is about. */
  path?: string;
  operationId?: string;
  /** What changed, in words, e.g. "deleted the `query` request parameter `filter`". */
  text: string;
  /** The field in the document where it changed, e.g. `paths./pets.get.parameters`. */
  location: string;
}
