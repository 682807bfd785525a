'use strict';

// The client's exception classes and status codes, in one place for the error scenarios.

const client = require('rocketmq-client-nodejs');
const { Code } = require('./codes');

module.exports = {
  Code,
  ClientException: client.ClientException,
  LiteTopicQuotaExceededException: client.LiteTopicQuotaExceededException,
  LiteSubscriptionQuotaExceededException: client.LiteSubscriptionQuotaExceededException,
  UnsupportedException: client.UnsupportedException,
  BadRequestException: client.BadRequestException,
};
