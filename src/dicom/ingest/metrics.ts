import { Counter, Histogram, type Registry } from 'prom-client';

/** Prometheus metrics of ingest, labelled by channel (dimse, stow, import) and outcome. */
export interface IngestMetrics {
  instances: Counter<'via' | 'outcome'>;
  bytes: Counter<'via'>;
  failures: Counter<'via' | 'reason'>;
  latency: Histogram<'via'>;
  completed: Counter;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    instances: new Counter({
      name: 'readfirst_ingest_instances_total',
      help: 'Uploads by channel and outcome (stored, duplicate, quarantined, failed)',
      labelNames: ['via', 'outcome'],
      registers,
    }),
    bytes: new Counter({ name: 'readfirst_ingest_bytes_total', help: 'Bytes received by channel', labelNames: ['via'], registers }),
    failures: new Counter({
      name: 'readfirst_ingest_failures_total',
      help: 'Refused or failed uploads by reason',
      labelNames: ['via', 'reason'],
      registers,
    }),
    latency: new Histogram({
      name: 'readfirst_ingest_duration_seconds',
      help: 'Time from bytes received to durable (parse, fsync, commit)',
      labelNames: ['via'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    completed: new Counter({ name: 'readfirst_studies_completed_total', help: 'study.complete events emitted', registers }),
  };
}
