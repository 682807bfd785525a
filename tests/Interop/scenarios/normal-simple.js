'use strict';

// (a) Normal messages: Producer.send to a NORMAL topic, SimpleConsumer.receive + ack.
// Checks every field the client reads back (id, topic, tag, keys, properties, body, attempt, born time),
// that SendReceipt.messageId is the id the consumer sees, that a long poll parked before the send is woken
// by it, and that both clients shut down cleanly (NotifyClientTermination answered OK).

const { scenario } = require('../lib/harness');
const { resourcesFor, startProducer, startSimpleConsumer, send } = require('../lib/clients');
const { summarize, RUN_PROPERTY } = require('../lib/clients');

const COUNT = 5;
const AWAIT_MS = 8000;

scenario('normal-simple', async ctx => {
  const { topics, groups } = resourcesFor('normal-simple');
  const topic = topics[0].name;
  const group = groups[0].name;

  const consumer = await startSimpleConsumer(ctx, { group, topic, awaitDuration: AWAIT_MS });
  const producer = await startProducer(ctx, { topics: [ topic ] });

  // Park a long poll first: the broker registers the group, and the send below must wake the poll.
  const received = new Map();
  const firstPoll = consumer.receive(16, 15000);
  await ctx.waitFor('the first ReceiveMessage call', () => ctx.trace.callsOf('receiveMessage').length > 0, 3000);
  await new Promise(resolve => setTimeout(resolve, 300));

  const sent = [];
  await ctx.step(`send ${COUNT} normal messages`, async () => {
    for (let seq = 0; seq < COUNT; seq++) {
      const { receipt, options } = await send(ctx, producer, {
        topic, seq, tag: 'interop-tag', keys: [ `key-${ctx.runId}-${seq}` ], properties: { color: seq % 2 ? 'red' : 'blue' },
      });
      ctx.check(typeof receipt.messageId === 'string' && receipt.messageId.length > 0,
        'SendMessageResponse entry carries no message_id', { seq });
      sent.push({ seq, messageId: receipt.messageId, offset: receipt.offset, body: options.body.toString() });
    }
  });
  const sentAt = Date.now();

  const acceptBatch = async (views, source) => {
    for (const view of views) {
      const summary = summarize(view);
      await ctx.step(`ack message ${summary.messageId} (${source})`, () => consumer.ack(view));
      if (summary.run === ctx.runId) received.set(summary.seq, summary);
    }
  };

  await ctx.step('receive on the parked long poll', async () => acceptBatch(await firstPoll, 'parked poll'));
  const firstPollMs = Date.now() - sentAt;
  await ctx.step(`receive until all ${COUNT} messages arrived`, async () => {
    const deadline = Date.now() + 10000;
    while (received.size < COUNT && Date.now() < deadline) {
      await acceptBatch(await consumer.receive(16, 15000), 'receive loop');
    }
  });

  ctx.check(received.size === COUNT, `received ${received.size} of ${COUNT} messages`, { received: [ ...received.keys() ] });
  for (const expected of sent) {
    const got = received.get(expected.seq);
    const where = `message seq=${expected.seq}`;
    ctx.check(got.messageId === expected.messageId,
      `${where}: system_properties.message_id on receive differs from SendReceipt.messageId`, { sent: expected.messageId, received: got.messageId });
    ctx.check(got.topic === topic, `${where}: topic.name is '${got.topic}', expected '${topic}'`);
    ctx.check(got.body === expected.body, `${where}: body differs`, { sent: expected.body, received: got.body });
    ctx.check(got.tag === 'interop-tag', `${where}: system_properties.tag is '${got.tag}'`);
    ctx.check(got.keys.length === 1 && got.keys[0] === `key-${ctx.runId}-${expected.seq}`, `${where}: system_properties.keys differ`, got.keys);
    ctx.check(got.properties[RUN_PROPERTY] === ctx.runId && got.properties.color === (expected.seq % 2 ? 'red' : 'blue'),
      `${where}: user_properties differ`, got.properties);
    ctx.check(got.deliveryAttempt === 1, `${where}: system_properties.delivery_attempt is ${got.deliveryAttempt}, expected 1 on first delivery`);
    ctx.check(!got.corrupted, `${where}: body_digest does not match the body (client marked the message corrupted)`);
    ctx.check(typeof got.bornTimestamp === 'number' && Math.abs(got.bornTimestamp - sentAt) < 60000,
      `${where}: system_properties.born_timestamp missing or wrong`, { bornTimestamp: got.bornTimestamp });
    ctx.check(got.bornHost && got.bornHost.length > 0, `${where}: system_properties.born_host is empty`);
    ctx.check(got.receiptHandle && got.receiptHandle.length > 0, `${where}: system_properties.receipt_handle is empty`);
    ctx.check(!got.liteTopic && !got.messageGroup, `${where}: lite_topic or message_group set on a NORMAL message`, got);
  }
  await ctx.step('shut the producer and the consumer down', () => Promise.all([ producer.shutdown(), consumer.shutdown() ]));
  ctx.check(ctx.trace.succeeded('notifyClientTermination').length === 2,
    'NotifyClientTermination was not answered OK for both clients', ctx.trace.callsOf('notifyClientTermination').map(call => call.statuses ?? call.grpcError));
  ctx.checkNoRpcProblems();
  return { sent: COUNT, received: received.size, parkedPollReturnedAfterMs: firstPollMs };
});
