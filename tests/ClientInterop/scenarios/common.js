'use strict';

// Settings every scenario reads from its environment, and one-line JSON reports on stdout.

function env(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`environment variable ${name} is required`);
  }
  return value;
}

function clientOptions() {
  return { endpoints: env('AGENTBUS_ENDPOINT'), namespace: '', requestTimeout: 3000 };
}

function report(event, payload = {}) {
  process.stdout.write(JSON.stringify({ event, ...payload }) + '\n');
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

// Every scenario ends by itself: a hard deadline that reports and exits.
function deadline(ms) {
  const timer = setTimeout(() => {
    report('timeout', { afterMs: ms });
    process.exit(2);
  }, ms);
  timer.unref();
}

module.exports = { env, clientOptions, report, sleep, deadline };
