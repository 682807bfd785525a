'use strict';

// Cross-client (a): the AgentBus .NET client's Producer has already sent COUNT messages to each of two lite
// topics (tag 'from-dotnet', keys, properties interop-run/interop-seq); the official client's LitePushConsumer
// subscribes both from their start (MIN_OFFSET), consumes them all and checks order, properties and attempts.
// Arguments: the run id the .NET side stamped on its messages, and COUNT.

const { OffsetOption, ConsumeResult } = require('rocketmq-client-nodejs');
const { scenario } = require('../lib/harness');
const { resourcesFor, startLitePushConsumer, summarize, seqs, sameNumbers } = require('../lib/clients');

const runId = process.argv[2];
const count = Number(process.argv[3]);

scenario('cross-dotnet-to-node', async ctx => {
  ctx.check(runId && count > 0, 'usage: cross-dotnet-to-node.js RUN_ID COUNT');
  const { topics, groups } = resourcesFor('cross-dotnet-to-node');
  const parent = topics[0].name;
  const liteTopics = [ `cross-a-${runId}`, `cross-b-${runId}` ];
  const received = [];
  const consumer = await startLitePushConsumer(ctx, {
    group: groups[0].name,
    bindTopic: parent,
    consume: async view => {
      const summary = summarize(view);
      if (summary.run === runId) received.push(summary);
      return ConsumeResult.SUCCESS;
    },
  });
  for (const liteTopic of liteTopics) {
    await ctx.step(`subscribeLite('${liteTopic}', MIN_OFFSET)`, () => consumer.subscribeLite(liteTopic, OffsetOption.MIN_OFFSET));
  }

  await ctx.step(`wait for ${count} messages on each lite topic`, () =>
    ctx.waitFor(`${count} messages per lite topic (have ${received.length})`,
      () => liteTopics.every(topic => received.filter(m => m.liteTopic === topic).length >= count), 15000));
  await ctx.step('wait until every message is acknowledged', () =>
    ctx.waitFor('AckMessage answered OK for every message', () =>
      ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= received.length, 5000));

  const expected = [ ...Array(count).keys() ];
  for (const liteTopic of liteTopics) {
    const messages = received.filter(m => m.liteTopic === liteTopic);
    ctx.check(sameNumbers(messages.map(m => m.seq), expected), `${liteTopic}: consumed out of order or twice`, messages.map(m => m.seq));
    for (const message of messages) {
      ctx.check(message.topic === parent, `${message.messageId}: topic '${message.topic}', expected '${parent}'`);
      ctx.check(message.tag === 'from-dotnet', `${message.messageId}: tag '${message.tag}'`);
      ctx.check(message.keys.length === 1 && message.keys[0] === `key-${message.seq}`, `${message.messageId}: keys ${JSON.stringify(message.keys)}`);
      ctx.check(message.body === `${liteTopic}:${message.seq}`, `${message.messageId}: body '${message.body}'`);
      ctx.check(message.deliveryAttempt === 1, `${message.messageId}: delivery attempt ${message.deliveryAttempt}`);
      ctx.check(!message.corrupted, `${message.messageId}: body digest mismatch`);
      ctx.check(/^01[0-9A-F]{32}$/.test(message.messageId), `${message.messageId}: not an official-layout message id`);
    }
  }
  ctx.check(seqs(received).length === count, 'unexpected sequence numbers', seqs(received));
  ctx.checkNoRpcProblems();
  return { received: received.map(m => ({ messageId: m.messageId, liteTopic: m.liteTopic, seq: m.seq })) };
});
