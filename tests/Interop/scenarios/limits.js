'use strict';

// Limits and missing resources. The broker runs with MaxMessageBodySize = 1024 and MaxPropertiesSize = 512.
//  - Settings.publishing.max_body_size = 1024 reaches the producer: a 1024-byte body is sent, a 1025-byte
//    body is refused by the client itself.
//  - User properties over 512 bytes: MESSAGE_PROPERTIES_TOO_LARGE (43101), a RequestHeaderFieldsTooLargeException.
//  - A topic that does not exist: TOPIC_NOT_FOUND (40402), a NotFoundException.
//  - A consumer group that does not exist: CONSUMER_GROUP_NOT_FOUND (40403) on start or on receive, never a
//    hang (the client waits for Settings without a timeout).

const { SimpleConsumer } = require('rocketmq-client-nodejs');
const { Code } = require('../lib/errors');
const { scenario } = require('../lib/harness');
const { resourcesFor, startProducer, send } = require('../lib/clients');

scenario('limits', async ctx => {
  const { topics, broker } = resourcesFor('limits');
  const topic = topics[0].name;
  const maxBody = broker.MaxMessageBodySize;
  const findings = {};

  const producer = await startProducer(ctx, { topics: [ topic ] });
  const publishing = ctx.settingsOf(producer).at(-1)?.publishing;
  ctx.check(publishing?.maxBodySize === maxBody,
    `Settings.publishing.max_body_size is ${publishing?.maxBodySize}, expected the broker's ${maxBody}`, publishing);

  await ctx.step(`send a ${maxBody}-byte body`, () => send(ctx, producer, { topic, seq: 1, body: 'x'.repeat(maxBody) }));
  const sendsBefore = ctx.trace.callsOf('sendMessage').length;
  const tooBig = await ctx.step(`send a ${maxBody + 1}-byte body`, () =>
    ctx.expectRejection('a body over the limit', () => send(ctx, producer, { topic, seq: 2, body: 'x'.repeat(maxBody + 1) })));
  ctx.check(ctx.trace.callsOf('sendMessage').length === sendsBefore && /exceeds the threshold/.test(tooBig.message),
    `the client did not refuse a ${maxBody + 1}-byte body by itself: ${tooBig.message}`);
  findings.bodyTooLarge = tooBig.message;

  const bigProperties = await ctx.step('send with user properties over the limit', () =>
    ctx.expectRejection('properties over the limit', () => send(ctx, producer, { topic, seq: 3, properties: { big: 'p'.repeat(600) } })));
  ctx.check(bigProperties.code === Code.MESSAGE_PROPERTIES_TOO_LARGE,
    `user properties over the limit: expected MESSAGE_PROPERTIES_TOO_LARGE (43101), got ${bigProperties.name} code=${bigProperties.code}: ${bigProperties.message}`);
  findings.propertiesTooLarge = { error: bigProperties.name, code: bigProperties.code };

  const missingTopic = await ctx.step('send to a topic that does not exist', () =>
    ctx.expectRejection('a send to a missing topic', () => send(ctx, producer, { topic: 'interop-missing-topic', seq: 5 })));
  ctx.check(missingTopic.code === Code.TOPIC_NOT_FOUND,
    `missing topic: expected TOPIC_NOT_FOUND (40402), got ${missingTopic.name} code=${missingTopic.code}: ${missingTopic.message}`);
  findings.missingTopic = { error: missingTopic.name, code: missingTopic.code };

  const consumer = new SimpleConsumer(ctx.clientOptions({
    consumerGroup: 'interop-missing-group', subscriptions: new Map([[ topic, '*' ]]), awaitDuration: 3000,
  }));
  ctx.label(consumer, 'missing-group-consumer');
  const missingGroup = await ctx.step('start a consumer of a group that does not exist, and receive', () =>
    ctx.expectRejection('a consumer of a missing group', async () => {
      await Promise.race([
        consumer.startup(),
        new Promise((resolve, reject) => setTimeout(() => reject(new Error('startup hung: no Settings and no error status on the Telemetry stream within 5 s')), 5000)),
      ]);
      await consumer.receive(1, 15000);
    }));
  const code = missingGroup.code ?? missingGroup.cause?.code;
  ctx.check(code === Code.CONSUMER_GROUP_NOT_FOUND,
    `missing group: expected CONSUMER_GROUP_NOT_FOUND (40403), got ${missingGroup.name} code=${code}: ${missingGroup.message}`);
  findings.missingGroup = { error: missingGroup.name, code };

  const expectedCodes = new Set([ Code.MESSAGE_PROPERTIES_TOO_LARGE, Code.TOPIC_NOT_FOUND, Code.CONSUMER_GROUP_NOT_FOUND ]);
  ctx.checkNoRpcProblems(problem => expectedCodes.has(problem.code));
  return findings;
});
