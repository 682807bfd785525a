'use strict';

// (d) Lite topics: a producer sends to the LITE parent topic with a liteTopic; a LitePushConsumer that
// subscribeLite()d receives them (and only them), acknowledges them with lite_topic set, and after
// unsubscribeLite() receives nothing more from that lite topic. Subscribing again with
// OffsetOption.LAST_OFFSET resumes at the group's committed offset: exactly the messages sent meanwhile.

const { OffsetOption } = require('rocketmq-client-nodejs');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, seqs, sameNumbers, quietWindow,
} = require('../lib/clients');

scenario('lite-subscribe', async ctx => {
  const { topics, groups } = resourcesFor('lite-subscribe');
  const parent = topics[0].name;
  const group = groups[0].name;
  const chat = `chat-${ctx.runId}`;
  const other = `other-${ctx.runId}`;

  const inbox = createInbox(ctx);
  const consumer = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inbox.consume });
  await ctx.step(`subscribeLite('${chat}') (SyncLiteSubscription PARTIAL_ADD)`, () => consumer.subscribeLite(chat));
  ctx.check(consumer.getLiteTopicSet().has(chat), 'client did not record the subscription');
  await waitUntilPolling(ctx, 'lite-consumer');

  const producer = await startProducer(ctx, { topics: [ parent ] });
  const sentIds = new Map();
  await ctx.step(`send 3 messages to '${chat}' and 2 to unsubscribed '${other}'`, async () => {
    for (let seq = 0; seq < 3; seq++) {
      const { receipt } = await send(ctx, producer, { topic: parent, liteTopic: chat, seq });
      sentIds.set(seq, receipt.messageId);
    }
    for (let seq = 100; seq < 102; seq++) await send(ctx, producer, { topic: parent, liteTopic: other, seq });
  });

  await ctx.step(`wait for the 3 messages of '${chat}'`, () =>
    ctx.waitFor(`3 messages on ${chat} (have ${inbox.liteTopic(chat).length})`, () => seqs(inbox.liteTopic(chat)).length === 3));
  await ctx.step('wait until the 3 AckMessage calls answered OK', () =>
    ctx.waitFor('3 successful AckMessage calls', () => ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= 3, 5000));

  for (const message of inbox.liteTopic(chat)) {
    ctx.check(message.topic === parent, `message seq=${message.seq}: topic.name is '${message.topic}', expected the parent '${parent}'`);
    ctx.check(message.messageId === sentIds.get(message.seq), `message seq=${message.seq}: message id differs from the SendReceipt`);
    ctx.check(message.deliveryAttempt === 1, `message seq=${message.seq}: delivery_attempt is ${message.deliveryAttempt}, expected 1`);
  }
  ctx.check(inbox.messages.every(message => message.liteTopic !== undefined),
    'a delivered message lacks system_properties.lite_topic', inbox.messages.filter(message => message.liteTopic === undefined));

  await ctx.step(`unsubscribeLite('${chat}') (SyncLiteSubscription PARTIAL_REMOVE)`, () => consumer.unsubscribeLite(chat));
  ctx.check(!consumer.getLiteTopicSet().has(chat), 'client still lists the lite topic after unsubscribeLite');
  await ctx.step(`send 2 more messages to '${chat}' after unsubscribing`, async () => {
    for (let seq = 10; seq < 12; seq++) await send(ctx, producer, { topic: parent, liteTopic: chat, seq });
  });
  await ctx.step('watch that nothing more arrives', () => quietWindow(2000));

  ctx.check(sameNumbers(seqs(inbox.liteTopic(chat)), [ 0, 1, 2 ]),
    `after unsubscribeLite the consumer still received messages of '${chat}'`, seqs(inbox.liteTopic(chat)));
  ctx.check(inbox.liteTopic(other).length === 0, `messages of the unsubscribed lite topic '${other}' were delivered`, inbox.liteTopic(other));
  ctx.check(inbox.liteTopic(chat).length === 3, 'some messages were delivered twice', inbox.liteTopic(chat));

  await ctx.step(`subscribeLite('${chat}', LAST_OFFSET) again`, () => consumer.subscribeLite(chat, OffsetOption.LAST_OFFSET));
  await ctx.step('receive the messages sent while unsubscribed', () =>
    ctx.waitFor(`seq 10 and 11 on ${chat}; have ${JSON.stringify(seqs(inbox.liteTopic(chat)))}`,
      () => seqs(inbox.liteTopic(chat)).includes(10) && seqs(inbox.liteTopic(chat)).includes(11), 8000));
  await ctx.step('watch for messages before the committed offset', () => quietWindow(1000));
  ctx.check(sameNumbers(seqs(inbox.liteTopic(chat)), [ 0, 1, 2, 10, 11 ]) && inbox.liteTopic(chat).length === 5,
    `resubscribing with LAST_OFFSET delivered ${JSON.stringify(inbox.liteTopic(chat).map(m => m.seq))}, expected 0,1,2 then exactly 10,11`);
  const actions = ctx.trace.callsOf('syncLiteSubscription', 'lite-consumer').map(call => call.request.getAction());
  ctx.checkNoRpcProblems();
  return { received: inbox.liteTopic(chat).length, syncLiteSubscriptionActions: actions };
});
