'use strict';

// Records what the broker answers to every RPC the client library makes, by wrapping the library's
// RpcClientManager methods. The library swallows several failures (acks, invisible-duration changes,
// lite-subscription syncs on its timer); the trace makes them visible so a scenario can report the exact
// RPC, status code and request fields.

const { RpcClientManager, BaseClient } = require('rocketmq-client-nodejs');
const { ReceiveMessageResponse, TelemetryCommand } = require('rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_pb');
const { Code, codeName, grpcStatusName } = require('./codes');

const UNARY_RPCS = [
  'queryRoute', 'heartbeat', 'sendMessage', 'queryAssignment', 'receiveMessage', 'ackMessage',
  'forwardMessageToDeadLetterQueue', 'pullMessage', 'updateOffset', 'getOffset', 'queryOffset',
  'endTransaction', 'changeInvisibleDuration', 'notifyClientTermination', 'recallMessage',
  'syncLiteSubscription',
];

// Codes that are a normal answer rather than a failure.
const BENIGN_CODES = new Set([ Code.OK, Code.MESSAGE_NOT_FOUND ]);

const labels = new WeakMap(); // RpcClientManager or client -> label
const settingsByClient = new WeakMap(); // client -> [settings objects]
const calls = [];
const telemetryCommands = [];

function labelOf(manager) {
  return labels.get(manager) ?? 'client';
}

/** Names a client in the trace (e.g. 'producer', 'consumer-a'). */
function label(client, name) {
  labels.set(client.rpcClientManager, name);
  labels.set(client, name);
  return client;
}

function summarizeRequest(request) {
  if (!request || typeof request.toObject !== 'function') return undefined;
  const text = JSON.stringify(request.toObject(), (key, value) => {
    if (key === 'body') return `<${value?.length ?? 0} chars>`;
    if (key === 'bornHost' || key === 'userAgent') return undefined;
    return value;
  });
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
}

function statusesOf(name, response) {
  if (!response) return [];
  if (name === 'receiveMessage') {
    return response
      .filter(item => item.getContentCase() === ReceiveMessageResponse.ContentCase.STATUS)
      .map(item => item.getStatus().toObject());
  }
  const statuses = [];
  const status = response.getStatus?.();
  statuses.push(status ? status.toObject() : undefined);
  if (name === 'sendMessage' || name === 'ackMessage') {
    for (const entry of response.getEntriesList()) {
      const entryStatus = entry.getStatus?.();
      if (entryStatus) statuses.push(entryStatus.toObject());
    }
  }
  return statuses;
}

function wrapUnary(name) {
  const original = RpcClientManager.prototype[name];
  if (typeof original !== 'function') return;
  RpcClientManager.prototype[name] = async function traced(endpoints, request, ...rest) {
    const call = { rpc: name, manager: this, startedAt: Date.now(), request };
    calls.push(call);
    try {
      const response = await original.call(this, endpoints, request, ...rest);
      call.endedAt = Date.now();
      call.statuses = statusesOf(name, response);
      call.response = response;
      return response;
    } catch (err) {
      call.endedAt = Date.now();
      call.grpcError = { code: err.code, status: grpcStatusName(err.code), details: err.details ?? err.message };
      throw err;
    }
  };
}

function wrapTelemetry() {
  const original = RpcClientManager.prototype.telemetry;
  RpcClientManager.prototype.telemetry = function traced(endpoints, metadata) {
    const stream = original.call(this, endpoints, metadata);
    const manager = this;
    const call = { rpc: 'telemetry', manager, startedAt: Date.now() };
    calls.push(call);
    stream.on('data', command => {
      const commandCase = command.getCommandCase();
      const caseName = Object.keys(TelemetryCommand.CommandCase).find(key => TelemetryCommand.CommandCase[key] === commandCase);
      telemetryCommands.push({ client: labelOf(manager), command: caseName, at: Date.now(), value: command.toObject() });
    });
    stream.on('error', err => {
      call.endedAt = Date.now();
      call.grpcError = { code: err.code, status: grpcStatusName(err.code), details: err.details ?? err.message };
    });
    return stream;
  };
}

function wrapSettings() {
  const original = BaseClient.prototype.onSettingsCommand;
  BaseClient.prototype.onSettingsCommand = function traced(endpoints, settings) {
    const list = settingsByClient.get(this) ?? [];
    list.push(settings.toObject());
    settingsByClient.set(this, list);
    return original.call(this, endpoints, settings);
  };
}

for (const name of UNARY_RPCS) wrapUnary(name);
wrapTelemetry();
wrapSettings();

/** Every call that failed at the gRPC level or answered a status other than OK / MESSAGE_NOT_FOUND. */
function problems() {
  const found = [];
  for (const call of calls) {
    const client = labelOf(call.manager);
    if (call.grpcError) {
      found.push({ rpc: call.rpc, client, grpcStatus: call.grpcError.status, details: call.grpcError.details, request: summarizeRequest(call.request) });
      continue;
    }
    for (const status of call.statuses ?? []) {
      if (status === undefined) {
        found.push({ rpc: call.rpc, client, code: null, message: 'response carries no status', request: summarizeRequest(call.request) });
      } else if (!BENIGN_CODES.has(status.code)) {
        found.push({ rpc: call.rpc, client, code: status.code, codeName: codeName(status.code), message: status.message, request: summarizeRequest(call.request) });
      }
    }
  }
  return found;
}

const traceStart = Date.now();

function requestDetail(call) {
  const request = call.request;
  if (!request) return undefined;
  switch (call.rpc) {
    case 'syncLiteSubscription':
      return `action=${request.getAction()} set=[${request.getLiteTopicSetList().join(',')}]`;
    case 'sendMessage':
      return request.getMessagesList().map(message => message.getSystemProperties()?.getLiteTopic() || message.getTopic()?.getName()).join(',');
    case 'ackMessage':
      return request.getEntriesList().map(entry => entry.getLiteTopic() || entry.getMessageId()).join(',');
    case 'changeInvisibleDuration':
      return `lite=${request.getLiteTopic()} suspend=${request.getSuspend()}`;
    default:
      return undefined;
  }
}

/** Every call in start order: when (ms since start), how long, what it answered. For failure reports. */
function timeline() {
  return calls.map(call => {
    const entry = { rpc: call.rpc, client: labelOf(call.manager), at: call.startedAt - traceStart };
    if (call.endedAt !== undefined) entry.ms = call.endedAt - call.startedAt;
    else entry.pending = true;
    const detail = requestDetail(call);
    if (detail) entry.request = detail;
    if (call.grpcError) entry.grpc = call.grpcError.status;
    else if (call.statuses) entry.codes = call.statuses.map(status => status?.code ?? null).join(',');
    if (call.rpc === 'receiveMessage' && Array.isArray(call.response)) {
      entry.messages = call.response.filter(item => item.getContentCase() === ReceiveMessageResponse.ContentCase.MESSAGE).length;
    }
    return entry;
  }).concat(telemetryCommands.map(command => ({
    rpc: 'telemetry (from broker)', client: command.client, at: command.at - traceStart, command: command.command,
  }))).sort((a, b) => a.at - b.at);
}

/** Number of calls per RPC name, e.g. { sendMessage: 3, ackMessage: 3 }. */
function counts() {
  const result = {};
  for (const call of calls) result[call.rpc] = (result[call.rpc] ?? 0) + 1;
  return result;
}

/** Completed calls of `rpc` (optionally of one client label) whose every status is OK. */
function succeeded(rpc, clientLabel) {
  return calls.filter(call => call.rpc === rpc && call.endedAt !== undefined && !call.grpcError &&
    (clientLabel === undefined || labelOf(call.manager) === clientLabel) &&
    (call.statuses ?? []).every(status => status && status.code === Code.OK));
}

/** Calls of `rpc` (optionally of one client label), finished or not. */
function callsOf(rpc, clientLabel) {
  return calls.filter(call => call.rpc === rpc && (clientLabel === undefined || labelOf(call.manager) === clientLabel));
}

/** The settings objects the broker pushed to `client` over Telemetry, oldest first. */
function settingsOf(client) {
  return settingsByClient.get(client) ?? [];
}

module.exports = { label, problems, timeline, counts, succeeded, callsOf, settingsOf, telemetryCommands, summarizeRequest };
