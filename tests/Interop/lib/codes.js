'use strict';

// Names for RocketMQ status codes (apache.rocketmq.v2.Code) and gRPC status codes, for readable reports.

const { Code } = require('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb');

const rocketmqNames = new Map(Object.entries(Code).map(([ name, value ]) => [ value, name ]));

const GRPC_STATUS_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

function codeName(code) {
  return rocketmqNames.get(code) ?? `UNKNOWN_CODE_${code}`;
}

function grpcStatusName(code) {
  return GRPC_STATUS_NAMES[code] ?? `GRPC_${code}`;
}

module.exports = { Code, codeName, grpcStatusName };
