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
      })
      .default({}),
    dimse: z
      .object({
        enabled: z.boolean().default(true),
        aeTitle: aeTitle.default('READFIRST'),
        host: z.string().min(1).default('0.0.0.0'),
        port: port.default(11112),
        /** Calling AE titles allowed to associate; empty allows any. */
        allowedCallingAeTitles: z.array(aeTitle).default([]),
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
        pushUrl: z.string().default('').refine((s) => s === '' || /^https?:\/\//.test(s), 'must be empty or an http(s) URL'),
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
      })
      .default({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
