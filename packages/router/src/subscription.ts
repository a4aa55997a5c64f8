/**
 * The subscription model: the CloudEvents Subscriptions API resource (`id`, `source`, `types`, `config`,
 * `filters`, `sink`, `sinkcredential`, `protocol`, `protocolsettings`) plus Cairn's per-subscription `delivery`
 * policy, in its normalised form (defaults applied, durations in milliseconds), and the request bodies that create
 * and update it. Validation lives in `validate-subscription.ts`.
 * @module
 */

/** Delivery protocols Cairn delivers to. */
export const PROTOCOLS = ["HTTP", "NATS"] as const;
/** One of {@link PROTOCOLS}. */
export type Protocol = (typeof PROTOCOLS)[number];
/** Every protocol identifier the Subscriptions API defines (case-sensitive); the others are refused as unsupported. */
export const SPEC_PROTOCOLS = ["HTTP", "MQTT3", "MQTT5", "AMQP", "NATS", "KAFKA"] as const;

/** A map of CloudEvents attribute name (lower case) to the string it is compared with. */
export type AttributeMap = Readonly<Record<string, string>>;

/** The Cairn `cdevents` dialect: a CDEvents type across versions. See docs/router.md. */
export interface CDEventsFilter {
  /** Subject, e.g. `service`; for a custom event `<tool>-<subject>` (`mytool-widget`). */
  readonly subject?: string;
  /** Predicate, e.g. `deployed`. */
  readonly predicate?: string;
  /** A version range such as `*`, `0.x`, `^0.3`, `>=0.2.0 <1.0.0` (see `parseVersionRange`). */
  readonly versions?: string;
}

/** A filter, normalised: exactly one dialect per object (`cesql` is stored as `sql`). */
export type Filter =
  | { readonly exact: AttributeMap }
  | { readonly prefix: AttributeMap }
  | { readonly suffix: AttributeMap }
  | { readonly all: readonly Filter[] }
  | { readonly any: readonly Filter[] }
  | { readonly not: Filter }
  | { readonly sql: string }
  | { readonly cdevents: CDEventsFilter };

/** A filter as a request may spell it: {@link Filter}, or Knative's `cesql` for `sql`, at any depth. */
export type FilterInput =
  | { readonly exact: AttributeMap }
  | { readonly prefix: AttributeMap }
  | { readonly suffix: AttributeMap }
  | { readonly all: readonly FilterInput[] }
  | { readonly any: readonly FilterInput[] }
  | { readonly not: FilterInput }
  | { readonly sql: string }
  | { readonly cesql: string }
  | { readonly cdevents: CDEventsFilter };

/** HTTP protocol settings (Subscriptions API §3.2.2.1). */
export interface HttpSettings {
  /** Headers copied into every delivery request; names are stored in lower case. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request method; POST when absent. */
  readonly method?: "POST" | "PUT";
}

/** NATS protocol settings (Subscriptions API §3.2.2.5). */
export interface NatsSettings {
  /** The subject to publish to; no wildcards. */
  readonly subject: string;
}

/** A plain credential (`PLAIN`): sent as HTTP Basic authentication. */
export interface PlainCredential {
  readonly credentialtype: "PLAIN";
  readonly identifier: string;
  /** Write-only: see `redactSubscription`. */
  readonly secret: string;
}

/** An access token (`ACCESSTOKEN`): sent as `Authorization: <accesstokentype> <accesstoken>`. */
export interface AccessTokenCredential {
  readonly credentialtype: "ACCESSTOKEN";
  /** Write-only. */
  readonly accesstoken: string;
  /** RFC 3339 instant at which the token expires. */
  readonly accesstokenexpiresutc: string;
  /** OAuth token type; `bearer` when absent. */
  readonly accesstokentype?: string;
}

/** An access token with a refresh token (`REFRESHTOKEN`). Refreshing is the hub's job. */
export interface RefreshTokenCredential extends Omit<AccessTokenCredential, "credentialtype"> {
  readonly credentialtype: "REFRESHTOKEN";
  /** Write-only. */
  readonly refreshtoken: string;
  /** URL at which the refresh token is traded for an access token. */
  readonly refreshtokenendpoint: string;
}

/** Credentials for the sink (Subscriptions API §3.2.3). */
export type SinkCredential = PlainCredential | AccessTokenCredential | RefreshTokenCredential;

/** A sink credential without its secrets, as a subscription is shown (Subscriptions API: secrets are write-only). */
export type RedactedSinkCredential =
  | Omit<PlainCredential, "secret">
  | Omit<AccessTokenCredential, "accesstoken">
  | Omit<RefreshTokenCredential, "accesstoken" | "refreshtoken">;

/** Backoff growth between retries. */
export type BackoffPolicy = "linear" | "exponential";
/** CloudEvents HTTP content mode of deliveries. */
export type DeliveryFormat = "binary" | "structured";
/** Which events of a subscription are delivered one at a time, in order: none, per `partitionkey`, per subject. */
export type Ordering = "none" | "partitionKey" | "subject";
/** What happens to a delivery that expired (`expirytime` passed, or older than `maxAge`). */
export type OnExpired = "deadLetter" | "drop";
/** What a subscriber's response body means: nothing, or a reply when it is a CloudEvent carrying a CDEvent. */
export type ResponseMode = "ignoreBody" | "replyIfCloudEvent";

/** Cairn's delivery policy, normalised: every default applied, durations in milliseconds. */
export interface DeliveryPolicy {
  /** Retries after the first attempt before dead-lettering (so at most `retry + 1` attempts). */
  readonly retry: number;
  /** How the delay grows: `exponential` (d, 2d, 4d, …) or `linear` (d, 2d, 3d, …). */
  readonly backoffPolicy: BackoffPolicy;
  /** The base delay `d`, in ms. */
  readonly backoffDelay: number;
  /** Cap on the computed delay, in ms (before and after jitter). */
  readonly backoffMax: number;
  /** Jitter fraction `j` in [0, 1]: the delay is drawn uniformly from `[d × (1 − j), d × (1 + j)]`. */
  readonly jitter: number;
  /** Timeout of each attempt, in ms. */
  readonly timeout: number;
  /** Cap on an honoured `Retry-After`, in ms; 0 ignores `Retry-After`. */
  readonly retryAfterMax: number;
  /** Content mode of deliveries. */
  readonly format: DeliveryFormat;
  /** Where events go after the last failed attempt; absent: Cairn's dead-letter store. */
  readonly deadLetterSink?: string;
  /** Ordering lanes. */
  readonly ordering: Ordering;
  /** Deliveries in flight at once, across lanes. */
  readonly maxInFlight: number;
  /** Deliveries started per second (token bucket); absent: unlimited. */
  readonly rateLimit?: number;
  /** How response bodies are treated. */
  readonly responseMode: ResponseMode;
  /** Deliveries of events older than this (since the hub received them), in ms, expire; absent: no limit. */
  readonly maxAge?: number;
  /** What happens to an expired delivery: dead-lettered with reason `expired` (default), or dropped. */
  readonly onExpired: OnExpired;
}

/** The defaults of {@link DeliveryPolicy} (Knative's cluster defaults where Knative has the setting). */
export const DEFAULT_DELIVERY: DeliveryPolicy = Object.freeze({
  retry: 10,
  backoffPolicy: "exponential",
  backoffDelay: 200,
  backoffMax: 60_000,
  jitter: 0.2,
  timeout: 10_000,
  retryAfterMax: 60_000,
  format: "binary",
  ordering: "none",
  maxInFlight: 16,
  responseMode: "replyIfCloudEvent",
  onExpired: "deadLetter",
});

/** A duration as a request may give it: milliseconds, or an ISO-8601 duration (`PT0.2S`). */
export type DurationInput = number | string;

/** The `delivery` member of a request: every member optional, durations as ms or ISO-8601. */
export interface DeliveryPolicyInput {
  readonly retry?: number;
  readonly backoffPolicy?: BackoffPolicy;
  readonly backoffDelay?: DurationInput;
  readonly backoffMax?: DurationInput;
  readonly jitter?: number;
  readonly timeout?: DurationInput;
  readonly retryAfterMax?: DurationInput;
  readonly format?: DeliveryFormat;
  readonly deadLetterSink?: string;
  readonly ordering?: Ordering;
  readonly maxInFlight?: number;
  readonly rateLimit?: number;
  readonly responseMode?: ResponseMode;
  readonly maxAge?: DurationInput;
  readonly onExpired?: OnExpired;
}

/** Members every subscription has, whatever its protocol. */
interface SubscriptionCommon {
  /** Unique within the subscription manager: 1–128 characters `A–Z a–z 0–9 . _ ~ -`, starting alphanumeric. */
  readonly id: string;
  /** Only events with exactly this `source` (an implicit `exact` filter). */
  readonly source?: string;
  /** Only events whose `type` is one of these (an implicit `any` of `exact` filters); empty means no constraint. */
  readonly types?: readonly string[];
  /** Implementation-specific configuration; Cairn stores it and does not interpret it. */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  /** Filters, ANDed; empty: every event. */
  readonly filters: readonly Filter[];
  /** Delivery address: an `http(s)` URL for HTTP, a `nats://` (or `tls://`) server URL for NATS. */
  readonly sink: string;
  /** Credentials for the sink. */
  readonly sinkcredential?: SinkCredential;
  /** Cairn's delivery policy, defaults applied. */
  readonly delivery: DeliveryPolicy;
}

/** A subscription delivering over HTTP. */
export interface HttpSubscription extends SubscriptionCommon {
  readonly protocol: "HTTP";
  readonly protocolsettings?: HttpSettings;
}

/** A subscription publishing to a NATS subject. */
export interface NatsSubscription extends SubscriptionCommon {
  readonly protocol: "NATS";
  readonly protocolsettings: NatsSettings;
}

/** A validated, normalised subscription (a plain JSON value: it survives `JSON.stringify` and revalidation). */
export type Subscription = HttpSubscription | NatsSubscription;

/** A subscription as shown by the API: sink credential secrets removed. */
export type RedactedSubscription =
  | (Omit<HttpSubscription, "sinkcredential"> & { readonly sinkcredential?: RedactedSinkCredential })
  | (Omit<NatsSubscription, "sinkcredential"> & { readonly sinkcredential?: RedactedSinkCredential });

/**
 * The body of `POST /subscriptions` (Subscriptions API `SubscriptionRequest`, plus `delivery`). An `id` in it is
 * ignored (Subscriptions API §3.2.1: the manager assigns ids); `sink` and `protocol` are required.
 */
export interface SubscriptionRequest {
  readonly id?: string;
  readonly source?: string;
  readonly types?: readonly string[];
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  readonly filters?: readonly FilterInput[];
  readonly sink: string;
  readonly sinkcredential?: SinkCredential;
  readonly protocol: string;
  readonly protocolsettings?: HttpSettings | NatsSettings;
  readonly delivery?: DeliveryPolicyInput;
}

/**
 * The body of `PUT /subscriptions/{id}`: the same members; `id` may be omitted, and when present must equal the
 * id in the path. Update replaces the whole subscription (absent members take their defaults).
 */
export type SubscriptionUpdateRequest = SubscriptionRequest;

/** A subscription without its sink credential's secrets (`secret`, `accesstoken`, `refreshtoken`). */
export function redactSubscription(subscription: Subscription): RedactedSubscription {
  const credential = subscription.sinkcredential;
  if (credential === undefined) return subscription;
  return { ...subscription, sinkcredential: redactCredential(credential) };
}

function redactCredential(credential: SinkCredential): RedactedSinkCredential {
  switch (credential.credentialtype) {
    case "PLAIN": {
      const { secret: _secret, ...rest } = credential;
      return rest;
    }
    case "ACCESSTOKEN": {
      const { accesstoken: _token, ...rest } = credential;
      return rest;
    }
    case "REFRESHTOKEN": {
      const { accesstoken: _token, refreshtoken: _refresh, ...rest } = credential;
      return rest;
    }
  }
}
