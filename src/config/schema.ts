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

export const configSchema = z
  .object({
    /** Where instance files, quarantine and the SQLite database live. */
    dataDir: z.string().min(1).default('./data'),
    /** Empty: SQLite in dataDir. `postgres://…`: PostgreSQL. */
    databaseUrl: z
      .string()
      .default('')
      .refine((s) => s === '' || /^postgres(ql)?:\/\//.test(s), 'must be empty (SQLite) or a postgres:// URL'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .default({}),
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(8080),
        /** Public base URL, used in STOW-RS retrieve URLs and links in alerts. */
        publicUrl: z.string().default(''),
        maxUploadBytes: z.number().int().positive().default(2 * 1024 * 1024 * 1024),
        /** A connection silent for this long is closed (a stalled upload cannot hold a socket). */
        idleTimeoutMs: z.number().int().positive().default(30_000),
        /** A whole request, body included, must arrive within this time. */
        requestTimeoutMs: z.number().int().positive().default(10 * 60_000),
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
        maxInflatedBytes: z.number().int().positive().default(1024 * 1024 * 1024),
      })
      .default({}),
    inference: z
      .object({
        /** Folders holding model packages (model.onnx + model.json). */
        modelDirs: z.array(z.string()).default(['models']),
        /** Worker threads running ONNX Runtime sessions. */
        workers: z.number().int().min(1).max(64).default(1),
        /** Intra-op threads per ONNX Runtime session. */
        intraOpThreads: z.number().int().min(1).max(64).default(2),
        maxBatch: z.number().int().min(1).max(64).default(4),
        jobTimeoutMs: z.number().int().positive().default(30_000),
        /** Model ids run in shadow mode: stored and monitored, never changing triage. */
        shadowModels: z.array(z.string()).default([]),
      })
      .default({}),
    triage: z
      .object({
        /** Urgency policy file (YAML or JSON); empty uses the built-in defaults. */
        policyFile: z.string().default(''),
        claimTimeoutMs: z.number().int().positive().default(20 * 60_000),
      })
      .default({}),
    alerts: z
      .object({
        webhooks: z.array(z.object({ url: z.string().url(), secret: z.string().min(16) })).default([]),
        escalationWebhooks: z.array(z.object({ url: z.string().url(), secret: z.string().min(16) })).default([]),
        ackTimeoutMs: z.number().int().positive().default(15 * 60_000),
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
    security: z
      .object({
        /** Set true behind TLS so session cookies carry the Secure flag. */
        secureCookies: z.boolean().default(false),
        sessionTtlMs: z.number().int().positive().default(12 * 3600_000),
        /** HMAC key of the audit chain; empty: `<dataDir>/audit.key`, created on first start. */
        auditKeyFile: z.string().default(''),
      })
      .default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
