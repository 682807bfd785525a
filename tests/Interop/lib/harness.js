'use strict';

// Runs one interop scenario: reads the broker endpoint from AGENTBUS_ENDPOINT, bounds the run with a
// deadline, records what every RPC answered, and prints exactly one JSON result line on stdout.
// Exit codes: 0 passed, 1 failed, 2 timed out.

const { randomBytes } = require('node:crypto');
const rpcTrace = require('./rpc-trace');
const { createLogger } = require('./logger');
const { codeName, grpcStatusName } = require('./codes');

const DEFAULT_TIMEOUT_MS = 20000;

class ScenarioFailure extends Error {
  constructor(message, details) {
    super(message);
    this.name = 'ScenarioFailure';
    this.details = details;
  }
}

function readConfig() {
  const endpoint = process.env.AGENTBUS_ENDPOINT || '127.0.0.1:8081';
  const timeoutMs = Number(process.env.AGENTBUS_SCENARIO_TIMEOUT_MS || DEFAULT_TIMEOUT_MS);
  const runId = process.env.AGENTBUS_RUN_ID || randomBytes(4).toString('hex');
  const verbose = process.env.AGENTBUS_INTEROP_VERBOSE === '1';
  return { endpoint, timeoutMs, runId, verbose };
}

function describeError(err) {
  if (!err) return { message: String(err) };
  const described = { name: err.name, message: err.message };
  if (typeof err.code === 'number') {
    described.code = err.code;
    // gRPC status codes are below 100; RocketMQ status codes are five-digit numbers.
    if (err.code < 100) described.grpcStatus = grpcStatusName(err.code);
    else described.codeName = codeName(err.code);
  }
  if (err.details !== undefined) described.details = err.details;
  if (err.cause) described.cause = describeError(err.cause);
  return described;
}

/**
 * Runs `body(ctx)` and reports. `body` returns an object merged into the result line.
 */
function scenario(name, body, options = {}) {
  const config = readConfig();
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const logger = createLogger(config.verbose);
  let currentStep = 'setup';
  let finished = false;

  const finish = (exitCode, payload) => {
    if (finished) return;
    finished = true;
    const line = {
      scenario: name,
      ok: exitCode === 0,
      endpoint: config.endpoint,
      runId: ctx.runId,
      elapsedMs: Date.now() - started,
      ...payload,
      rpcProblems: rpcTrace.problems(),
      rpcCounts: rpcTrace.counts(),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (exitCode !== 0) logger.dump();
    // Clients keep timers and streams open; the scenario is over, so leave without waiting for them.
    process.exit(exitCode);
  };

  const fail = (err, extra = {}) =>
    finish(1, { step: currentStep, error: describeError(err), ...extra, rpcTimeline: rpcTrace.timeline() });

  const ctx = {
    ...config,
    logger,
    clientOptions(extra = {}) {
      return { endpoints: config.endpoint, namespace: '', sslEnabled: false, logger, requestTimeout: 3000, ...extra };
    },
    /** Names the step in progress; a failure or timeout reports it. */
    async step(description, action) {
      currentStep = description;
      logger.info('[scenario] step: %s', description);
      return action ? await action() : undefined;
    },
    check(condition, message, details) {
      if (!condition) throw new ScenarioFailure(message, details);
    },
    fail(message, details) {
      throw new ScenarioFailure(message, details);
    },
    /** Polls `predicate` every 20 ms until it is truthy or `timeoutMs` passes; returns its last value. */
    async waitFor(description, predicate, waitMs = 10000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const value = await predicate();
        if (value) return value;
        if (Date.now() >= deadline) {
          throw new ScenarioFailure(`timed out after ${waitMs} ms waiting for ${description}`);
        }
        await new Promise(resolve => setTimeout(resolve, 20));
      }
    },
    /** Expects `action` to reject; returns the error. */
    async expectRejection(description, action) {
      try {
        await action();
      } catch (err) {
        return err;
      }
      throw new ScenarioFailure(`expected ${description} to fail, but it succeeded`);
    },
    trace: rpcTrace,
    label: rpcTrace.label,
    settingsOf: rpcTrace.settingsOf,
    /** Fails when an RPC answered an error that `allowed(problem)` does not accept. */
    checkNoRpcProblems(allowed = () => false) {
      const unexpected = rpcTrace.problems().filter(problem => !allowed(problem));
      if (unexpected.length > 0) {
        throw new ScenarioFailure('the broker answered RPCs with unexpected errors', unexpected);
      }
    },
  };

  const started = Date.now();
  const timer = setTimeout(() => {
    finish(2, {
      step: currentStep,
      error: { name: 'Timeout', message: `scenario exceeded ${timeoutMs} ms` },
      rpcTimeline: rpcTrace.timeline(),
    });
  }, timeoutMs);
  timer.unref();

  process.on('uncaughtException', err => fail(err, { uncaught: true }));
  process.on('unhandledRejection', err => fail(err, { uncaught: true }));

  Promise.resolve()
    .then(() => body(ctx))
    .then(result => finish(0, { step: currentStep, ...(result || {}) }))
    .catch(err => fail(err));
}

module.exports = { scenario, ScenarioFailure, describeError };
