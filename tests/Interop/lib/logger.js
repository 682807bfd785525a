'use strict';

// A logger for the client library (its `logger` option): keeps the latest lines in memory and prints them
// on stderr when the scenario fails, or as they come with AGENTBUS_INTEROP_VERBOSE=1.

const { format } = require('node:util');

const KEPT_LINES = 400;

function createLogger(verbose) {
  const lines = [];
  const write = level => (...args) => {
    const line = `${new Date().toISOString()} ${level} ${format(...args)}`;
    if (verbose) {
      process.stderr.write(`${line}\n`);
      return;
    }
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
  };
  const logger = {
    // The library calls debug() unguarded in places, so it must exist; it is recorded only when verbose.
    debug: verbose ? write('DEBUG') : () => {},
    info: write('INFO '),
    warn: write('WARN '),
    error: write('ERROR'),
    // The clients share this logger; one client shutting down must not close it for the others.
    close() {},
    dump() {
      if (lines.length === 0) return;
      process.stderr.write(`--- last ${lines.length} client log lines ---\n${lines.join('\n')}\n`);
    },
  };
  return logger;
}

module.exports = { createLogger };
