/**
 * `@cairn/router`: the engine-independent, pure parts of Cairn's event router — the Subscriptions API model and
 * its validation, filters compiled once (fail closed) and a subscription index that avoids evaluating every
 * subscription, the delivery policy's arithmetic, delivery requests, dead-letter metadata, replies and ordering
 * keys. Durable queues, engines and HTTP routes live in the hub. No Node built-ins, no I/O.
 * @example
 * ```ts
 * import { SubscriptionIndex, buildDeliveryRequest, validateCreateRequest } from "@cairn/router";
 * const r = validateCreateRequest(body, crypto.randomUUID());
 * if (!r.ok) return respond(400, r.issues);
 * index.add(r.subscription);
 * for (const s of index.matchSubscriptions(attributes)) send(buildDeliveryRequest(s, stored, { attempt: 1 }));
 * ```
 * @module
 */

export { ATTRIBUTE_NAME, attributeText, type EventAttributes, readAttribute } from "./attributes.ts";
export { type CDEventsDialect, cdeventsTypePrefix, matchesCDEvents } from "./cdevents-dialect.ts";
export {
  type CompiledSubscription,
  type CompileSubscriptionOptions,
  compileSubscription,
} from "./compile-subscription.ts";
export {
  type CompiledDependency,
  type CompiledTrigger,
  type CompileTriggerOptions,
  compileTrigger,
} from "./correlation/compile-trigger.ts";
export {
  allOf,
  type Condition,
  type ConditionError,
  type ConditionResult,
  conditionNames,
  DEPENDENCY_NAME,
  evaluateCondition,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_LENGTH,
  parseCondition,
} from "./correlation/condition.ts";
export { type CorrelateBy, MAX_KEY_LENGTH, parseCorrelateBy, readKey } from "./correlation/correlation-key.ts";
export {
  buildCorrelationEvent,
  CONTRIBUTOR_LINK_KIND,
  type CorrelationEventResult,
  type EmittedEvent,
  TRIGGER_EXTENSION,
} from "./correlation/emit.ts";
export { sha256Hex } from "./correlation/sha256.ts";
export {
  isTriggerSinkId,
  type RedactedTrigger,
  type RedactedTriggerSink,
  redactTrigger,
  TRIGGER_SINK_PREFIX,
  triggerSinkId,
  triggerSinkSubscription,
} from "./correlation/sink.ts";
export {
  type Arrival,
  type Arrived,
  type Contribution,
  type CorrelationEvent,
  type CorrelationState,
  correlate,
  expired,
  type Fire,
  type FiredContribution,
  idempotencyKey,
  MAX_SELECTED,
  type StepResult,
  step,
} from "./correlation/step.ts";
export {
  DEFAULT_EMIT_TYPE,
  defaultEmitSource,
  type EmitAction,
  MAX_DEPENDENCIES,
  SELECTS,
  type Select,
  type Trigger,
  type TriggerDependency,
  type TriggerSink,
} from "./correlation/trigger.ts";
export {
  TRIGGER_ID,
  type TriggerResult,
  type ValidateTriggerOptions,
  validateTrigger,
} from "./correlation/validate-trigger.ts";
export {
  buildDeadLetterRequest,
  DeadLetterExtension,
  type DeadLetterReason,
  type DeliveryFailure,
  deadLetterAttributes,
  MAX_ERROR_DATA,
} from "./dead-letter.ts";
export {
  type AttributeValue,
  authorization,
  buildDeliveryRequest,
  buildNatsMessage,
  DELIVERY_ATTEMPT_HEADER,
  DELIVERY_ID_HEADER,
  type DeliveryRequest,
  type DeliveryRequestOptions,
  deliveryHeaders,
  deliveryId,
  type EncodedEvent,
  encodeEvent,
  type NatsDelivery,
  parseStoredAttributes,
  percentEncode,
  STRUCTURED_CONTENT_TYPE,
  type StoredEvent,
  withExtensions,
} from "./delivery.ts";
export { type DurationResult, formatDuration, MAX_DURATION_MS, parseDuration } from "./duration.ts";
export { isRouterError, RouterError, RouterErrorCode, type RouterErrorOptions } from "./errors.ts";
export { type ExpiredStep, expiredStep, expiresAt, isExpired } from "./expiry.ts";
export { DIALECTS, type FilterNode, MAX_FILTER_DEPTH } from "./filter-parse.ts";
export {
  type CompiledFilters,
  type CompileFiltersOptions,
  type CompileFiltersResult,
  compileFilters,
  type EventPredicate,
} from "./filters.ts";
export {
  type IndexAtom,
  type IndexCondition,
  type IndexedAttribute,
  likePrefix,
  necessaryCondition,
} from "./index-conditions.ts";
export { type Issue, IssueCode } from "./issues.ts";
export { DEFAULT_LANE, orderingKey } from "./ordering.ts";
export {
  type AttemptOutcome,
  type AttemptReport,
  type BackoffSettings,
  baseDelay,
  type Classification,
  classifyResponse,
  honouredRetryAfter,
  nextStep,
  parseRetryAfter,
  type RandomSource,
  retryDelay,
  type Step,
  shouldDeadLetter,
} from "./policy.ts";
export { PrefixMap } from "./prefix-map.ts";
export {
  DEFAULT_MAX_HOPS,
  decodeReply,
  HOPS_EXTENSION,
  isReplyCloudEvent,
  KNATIVE_TTL_EXTENSION,
  type NoReplyReason,
  type ReplyDecision,
  type ReplyHops,
  replyExtensions,
} from "./replies.ts";
export {
  type AccessTokenCredential,
  type AttributeMap,
  type BackoffPolicy,
  type CDEventsFilter,
  DEFAULT_DELIVERY,
  type DeliveryFormat,
  type DeliveryPolicy,
  type DeliveryPolicyInput,
  type DurationInput,
  type Filter,
  type FilterInput,
  type HttpSettings,
  type HttpSubscription,
  type NatsSettings,
  type NatsSubscription,
  type OnExpired,
  type Ordering,
  type PlainCredential,
  PROTOCOLS,
  type Protocol,
  type RedactedSinkCredential,
  type RedactedSubscription,
  type RefreshTokenCredential,
  type ResponseMode,
  redactSubscription,
  type SinkCredential,
  SPEC_PROTOCOLS,
  type Subscription,
  type SubscriptionRequest,
  type SubscriptionUpdateRequest,
} from "./subscription.ts";
export { SubscriptionIndex, type SubscriptionIndexOptions, type SubscriptionIndexStats } from "./subscription-index.ts";
export { DELIVERY_LIMITS } from "./validate-delivery.ts";
export {
  SUBSCRIPTION_ID,
  type SubscriptionResult,
  type ValidateOptions,
  validateCreateRequest,
  validateSubscription,
  validateUpdateRequest,
} from "./validate-subscription.ts";
export { parseVersionRange, satisfies, type VersionRange, type VersionRangeResult } from "./version-range.ts";
