import { availableParallelism } from 'node:os';
import { z } from 'zod';

/**
 * readfirst's one typed configuration. Every key has a safe default so `npm start` works on an
 * embedded SQLite store and local files. Each section belongs to the domain named after it.
 */
const aeTitle = z
  .string()
  .min(1)
  .max(16)
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII')
  .refine((s) => !s.includes('\\'), 'must not contain a backslash');

const port = z.number().int().min(0).max(65535);

/** PEM files for TLS; `ca` also asks clients for a certificate signed by it. */
const tlsFiles = z
  .object({ certFile: z.string().default(''), keyFile: z.string().default(''), caFile: z.string().default('') })
  .default({})
  .refine((t) => (t.certFile === '') === (t.keyFile === ''), 'set both certFile and keyFile, or neither');

/** What a write-back destination is sent: readfirst's DICOM outputs and/or the study's urgency. */
const writebackObjects = z.array(z.enum(['sr', 'kos', 'heatmap', 'urgency'])).min(1);
const destinationId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lower-case letters, digits, - and _ (it names the destination in /metrics)');

/** One write-back destination (see README "Results into the PACS"). */
const writebackDestination = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('dimse'),
      id: destinationId,
      host: z.string().min(1),
      port,
      /** The peer's AE title (called AE). */
      aeTitle,
      /** Calling AE title; empty uses dimse.aeTitle. */
      callingAeTitle: z.union([aeTitle, z.literal('')]).default(''),
      objects: writebackObjects.default(['sr', 'kos', 'heatmap']),
    })
    .strict(),
  z
    .object({
      type: z.literal('stow-rs'),
      id: destinationId,
      /** DICOMweb base URL; objects are POSTed to <url>/studies/<StudyInstanceUID>. */
      url: z.string().url(),
      headers: z.record(z.string()).default({}),
      objects: writebackObjects.default(['sr', 'kos', 'heatmap']),
    })
    .strict(),
  z
    .object({
      type: z.literal('orthanc-priority'),
      id: destinationId,
      /** Orthanc's REST root. */
      url: z.string().url(),
      username: z.string().default(''),
      password: z.string().default(''),
      /** Must be declared in Orthanc's "UserMetadata". */
      metadataName: z
        .string()
        .regex(/^[A-Za-z0-9_]+$/)
        .default('ReadfirstUrgency'),
      objects: z.array(z.literal('urgency')).min(1).default(['urgency']),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    /** Where instance files, quarantine and the SQLite database live. */
    dataDir: z.string().min(1).default('./data'),
    /** Empty: SQLite in dataDir. `postgres://…`: PostgreSQL. */
    databaseUrl: z
      .string()
      .default('')
      .refine((s) => s === '' || /^postgres(ql)?:\/\//.test(s), 'must be empty (SQLite) or a postgres:// URL'),
    log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') }).default({}),
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8080),
        /** Public base URL, used in STOW-RS retrieve URLs and links in alerts. */
        publicUrl: z.string().default(''),
        maxUploadBytes: z
          .number()
          .int()
          .positive()
          .default(2 * 1024 * 1024 * 1024),
        /** A connection silent for this long is closed (a stalled upload cannot hold a socket). */
        idleTimeoutMs: z.number().int().positive().default(30_000),
        /** A whole request, body included, must arrive within this time. */
        requestTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(10 * 60_000),
        /** STOW-RS requests handled at once; more are answered 503 with Retry-After. */
        maxConcurrentUploads: z.number().int().min(1).max(256).default(4),
        /** HTTPS: PEM files; both set turns TLS on. */
        tls: tlsFiles,
      })
      .default({}),
    dimse: z
      .object({
        enabled: z.boolean().default(true),
        aeTitle: aeTitle.default('READFIRST'),
        /** Loopback by default: list the modalities in allowedCallingAeTitles, then open it up. */
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(11112),
        /** Calling AE titles allowed to associate; empty allows any (first-run only: set it). */
        allowedCallingAeTitles: z.array(aeTitle).default([]),
        /** Source addresses or CIDR ranges allowed to connect; empty allows any. */
        allowedSourceAddresses: z.array(z.string().min(1)).default([]),
        /** DICOM TLS (PS3.15 B.1): PEM files; both set turns TLS on for the SCP. */
        tls: tlsFiles,
        /** An association silent this long is aborted (A-ABORT), a connection that never associates closed (ARTIM). */
        idleTimeoutMs: z.number().int().min(1000).max(3_600_000).default(30_000),
      })
      .default({}),
    dicomweb: z
      .object({
        /** The most results one QIDO-RS response carries; a larger result is cut with `Warning: 299`. */
        qidoMaxResults: z.number().int().min(1).max(100_000).default(1000),
      })
      .default({}),
    fhir: z
      .object({
        /** FHIR R4 server base URL that receives each analysed study's report (transaction Bundle); empty: no push. */
        pushUrl: z
          .string()
          .default('')
          .refine((s) => s === '' || /^https?:\/\//.test(s), 'must be empty or an http(s) URL'),
        /** Sent as `Authorization: Bearer <token>` to the FHIR server when set. */
        pushToken: z.string().default(''),
        pushMaxAttempts: z.number().int().min(1).max(50).default(10),
        /** First retry after this; doubles per attempt, capped at 5 minutes. */
        pushBackoffMs: z.number().int().positive().default(2_000),
      })
      .default({}),
    hl7: z
      .object({
        /** MLLP listener for ORM^O01 / OMI^O23 orders and ADT from the RIS. */
        listen: z
          .object({ enabled: z.boolean().default(false), host: z.string().min(1).default('127.0.0.1'), port: port.default(2575) })
          .default({}),
        /** Where ORU^R01 results go over MLLP; an empty host sends none. */
        oru: z
          .object({
            host: z.string().default(''),
            port: port.default(2575),
            /** Wait this long for the ACK before the attempt counts as failed. */
            ackTimeoutMs: z.number().int().positive().default(10_000),
            maxAttempts: z.number().int().min(1).max(50).default(10),
            backoffMs: z.number().int().positive().default(2_000),
          })
          .default({}),
        /** MSH-3 / MSH-4 of messages readfirst sends. */
        sendingApplication: z.string().min(1).default('READFIRST'),
        sendingFacility: z.string().default(''),
        /** MSH-5 / MSH-6 of ORU^R01. */
        receivingApplication: z.string().default(''),
        receivingFacility: z.string().default(''),
      })
      .default({}),
    ingest: z
      .object({
        /** A study is complete once this long has passed since its last instance. */
        quietPeriodMs: z.number().int().min(0).default(10_000),
        /** Deepest sequence nesting accepted; deeper data sets are quarantined. */
        maxNestingDepth: z.number().int().min(1).max(1000).default(32),
        /** Most data elements (all nesting levels) accepted in one instance. */
        maxElements: z.number().int().min(100).default(200_000),
        /** A deflated data set may inflate to at most this many bytes (decompression bombs). */
        maxInflatedBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024 * 1024),
        /**
         * Instances a study of a modality is expected to hold (e.g. `{ CR: 1, DX: 2 }`): it is
         * complete as soon as it holds them, without waiting for the quiet period. Empty: quiet period only.
         */
        expectedInstances: z.record(z.string().min(1), z.number().int().min(1)).default({}),
      })
      .default({}),
    inference: z
      .object({
        /** Folders holding model packages (model.onnx + model.json). */
        modelDirs: z.array(z.string()).default(['models']),
        /**
         * Worker threads; each prepares images (decode, window, gate, resize) and runs ONNX
         * Runtime. Default: one per core (at most 4), so preprocessing uses every core.
         */
        workers: z
          .number()
          .int()
          .min(1)
          .max(64)
          .default(() => Math.max(1, Math.min(4, availableParallelism()))),
        /** Intra-op threads per ONNX Runtime session (1: the workers already fill the cores). */
        intraOpThreads: z.number().int().min(1).max(64).default(1),
        /** Nice value (0–19) of the worker threads, so ingest on the main thread is scheduled first. */
        workerNice: z.number().int().min(0).max(19).default(10),
        /** Images waiting for analysis at most; beyond it an image is read at its study's completion. */
        queueCapacity: z.number().int().min(1).default(1000),
        maxBatch: z.number().int().min(1).max(64).default(4),
        jobTimeoutMs: z.number().int().positive().default(30_000),
        /** Model ids run in shadow mode: stored and monitored, never changing triage. */
        shadowModels: z.array(z.string()).default([]),
        /** Pipeline test models (card `routeByDefault: false`, e.g. ct-phantom-demo) to route anyway. */
        testModels: z.array(z.string()).default([]),
      })
      .default({}),
    triage: z
      .object({
        /** Urgency policy file (YAML or JSON); empty uses the built-in defaults. */
        policyFile: z.string().default(''),
        claimTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(20 * 60_000),
      })
      .default({}),
    alerts: z
      .object({
        webhooks: z.array(z.object({ url: z.string().url(), secret: z.string().min(16) })).default([]),
        escalationWebhooks: z.array(z.object({ url: z.string().url(), secret: z.string().min(16) })).default([]),
        ackTimeoutMs: z
          .number()
          .int()
          .positive()
          .default(15 * 60_000),
        /** Webhook attempts per delivery, with doubling back-off from webhookBackoffMs (capped at 5 min). */
        webhookMaxAttempts: z.number().int().min(1).max(20).default(8),
        webhookBackoffMs: z.number().int().positive().default(2_000),
        smtp: z
          .object({
            host: z.string().default(''),
            port: port.default(25),
            from: z.string().default('readfirst@localhost'),
            to: z.array(z.string()).default([]),
            escalationTo: z.array(z.string()).default([]),
          })
          .default({}),
      })
      .default({}),
    monitor: z
      .object({
        /** Which label wins when an imported label and a radiologist's verdict disagree. */
        truthPrefer: z.enum(['import', 'verdict']).default('import'),
        bias: z
          .object({
            /** A subgroup's gap to the rest wider than this (rate or AUROC units) is flagged. */
            margin: z.number().min(0).max(1).default(0.05),
            /** Fewer diseased or normal studies than this in a group: a note, no flag. */
            minCount: z.number().int().min(1).default(20),
            operatingPoint: z.string().min(1).default('balanced'),
            /** Extra DICOM keywords to audit by (read from the stored instances), e.g. "BodyPartExamined". */
            tags: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be a DICOM keyword')).default([]),
          })
          .default({}),
        drift: z
          .object({
            /** The current window, and the reference window right before it. */
            windowDays: z.number().positive().default(7),
            referenceDays: z.number().positive().default(28),
            psiThreshold: z.number().positive().default(0.25),
            ksPValue: z.number().positive().max(1).default(0.01),
            minCount: z.number().int().min(1).default(30),
            /** How often the server checks for drift; 0 turns the check off. */
            checkEveryMs: z.number().int().min(0).default(3600_000),
            cooldownMs: z
              .number()
              .int()
              .min(0)
              .default(24 * 3600_000),
          })
          .default({}),
      })
      .default({}),
    reports: z
      .object({
        /** Write the DICOM outputs (SR, KOS, heat-maps) of every analysed study. */
        enabled: z.boolean().default(true),
        outputs: z.array(z.enum(['sr', 'kos', 'heatmap'])).default(['sr', 'kos', 'heatmap']),
        /** Manufacturer (0008,0070) of the output objects and their Contributing Equipment. */
        manufacturer: z.string().min(1).max(64).default('readfirst'),
      })
      .default({}),
    writeback: z
      .object({
        destinations: z.array(writebackDestination).default([]),
        /** Attempts per object and destination before it is given up (listed as failed, retried on request). */
        maxAttempts: z.number().int().min(1).max(1000).default(50),
        /** First retry delay, doubling per attempt up to maxBackoffMs. */
        backoffMs: z.number().int().positive().default(5_000),
        maxBackoffMs: z
          .number()
          .int()
          .positive()
          .default(10 * 60_000),
        /** How often each destination's worker looks for due deliveries. */
        pollMs: z.number().int().positive().default(5_000),
        /** A claimed delivery not finished in this time (a killed process) is retried. */
        leaseMs: z
          .number()
          .int()
          .positive()
          .default(2 * 60_000),
        timeoutMs: z.number().int().positive().default(30_000),
        /** Objects sent per association or STOW-RS request. */
        batchSize: z.number().int().min(1).max(500).default(20),
      })
      .default({})
      .refine((w) => new Set(w.destinations.map((d) => d.id)).size === w.destinations.length, 'destination ids must be unique'),
    security: z
      .object({
        /** Set true behind TLS so session cookies carry the Secure flag. */
        secureCookies: z.boolean().default(false),
        sessionTtlMs: z
          .number()
          .int()
          .positive()
          .default(12 * 3600_000),
        /** HMAC key of the audit chain; empty: `<dataDir>/audit.key`, created on first start. */
        auditKeyFile: z.string().default(''),
      })
      .default({}),
    files: z
      .object({
        /**
         * The instance store: empty: `<dataDir>/files`. A scaled-out deployment points every
         * process at one shared path (README "Scaling out"); each process keeps its own dataDir.
         */
        dir: z.string().default(''),
      })
      .default({}),
    cluster: z
      .object({
        /** LISTEN/NOTIFY channel of the deployment's events (one per deployment sharing a database). */
        channel: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/)
          .default('readfirst_events'),
        /** PostgreSQL schema of the job queue (pg-boss). */
        jobSchema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/)
          .default('readfirst_jobs'),
        /** Analysis jobs a worker runs at once; 0: 3 × inference.workers × inference.maxBatch. */
        workerConcurrency: z.number().int().min(0).max(256).default(0),
        /** Retries after the first attempt, with exponential back-off; then the dead-letter queue. */
        retryLimit: z.number().int().min(0).max(50).default(3),
        retryDelaySeconds: z.number().int().min(1).max(3600).default(5),
        /** Visibility timeout: a job active this long (its worker died) is retried on another worker. */
        expireInSeconds: z.number().int().min(5).max(86_400).default(120),
        /** How often an idle worker asks for work (pg-boss's minimum is 0.5 s). */
        pollingIntervalSeconds: z.number().min(0.5).max(60).default(0.5),
      })
      .default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type WritebackDestination = z.infer<typeof writebackDestination>;
