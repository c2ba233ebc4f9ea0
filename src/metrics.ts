import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type RefreshOutcome = 'rotated' | 'grace' | 'reuse_detected' | 'expired' | 'revoked' | 'unknown'
/** `rate_limited`: refused by the login budgets before the password was checked (429). */
export type LoginResult = 'success' | 'failure' | 'rate_limited' | 'error'
export type IntrospectionResult = 'active' | 'inactive' | 'error'

/**
 * Prometheus metrics on a registry of our own (no global state: two apps in one test process do not
 * share counters). Labels are bounded: route patterns, never raw paths.
 */
export function createMetrics(gauges: { activeSessions: () => Promise<number>; webhookQueueDepth: () => Promise<number> }) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const gaugeFrom = (name: string, help: string, read: () => Promise<number>) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        // A scrape must not fail because the ledger is slow: report nothing rather than hang.
        this.set(await Promise.race([read(), new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 1000).unref())]).catch(() => Number.NaN))
      },
    })
  return {
    registry,
    httpRequests: new Counter({ name: 'sessiond_http_requests_total', help: 'HTTP requests by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'sessiond_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['route', 'method'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    introspections: new Counter({ name: 'sessiond_introspections_total', help: 'Introspection answers', labelNames: ['result'], registers: [registry] }),
    logins: new Counter({ name: 'sessiond_logins_total', help: 'Login attempts by result', labelNames: ['result'], registers: [registry] }),
    refreshes: new Counter({ name: 'sessiond_refreshes_total', help: 'Refresh attempts by outcome', labelNames: ['outcome'], registers: [registry] }),
    denylistLookups: new Counter({ name: 'sessiond_denylist_lookups_total', help: 'Revocation lookups by the source that answered', labelNames: ['source'], registers: [registry] }),
    webhookDeliveries: new Counter({ name: 'sessiond_webhook_deliveries_total', help: 'Webhook delivery attempts by result', labelNames: ['result'], registers: [registry] }),
    streamSubscribers: new Gauge({ name: 'sessiond_revocation_stream_subscribers', help: 'Open revocation stream connections on this instance', registers: [registry] }),
    streamEvents: new Counter({ name: 'sessiond_revocation_stream_events_sent_total', help: 'Revocation stream events sent, by event type', labelNames: ['event'], registers: [registry] }),
    streamLag: new Histogram({
      name: 'sessiond_revocation_stream_lag_seconds',
      help: 'From a revocation committing (any instance) to this instance sending it live',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30],
      registers: [registry],
    }),
    activeSessions: gaugeFrom('sessiond_active_sessions', 'Sessions not ended and not idle past the timeout', gauges.activeSessions),
    webhookQueueDepth: gaugeFrom('sessiond_webhook_queue_depth', 'Webhook deliveries waiting', gauges.webhookQueueDepth),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
