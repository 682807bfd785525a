'use strict';

// (c) PushConsumer on a NORMAL topic: QueryAssignment hands out queues, the consumer long-polls them,
// every message is consumed exactly once and acknowledged with status OK.

const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startPushConsumer, waitUntilPolling, send, createInbox, seqs, sameNumbers, quietWindow,
} = require('../lib/clients');

const COUNT = 6;

scenario('push-normal', async ctx => {
  const { topics, groups } = resourcesFor('push-normal');
  const topic = topics[0].name;
  const group = groups[0].name;

  const inbox = createInbox(ctx);
  const consumer = await startPushConsumer(ctx, { group, topic, consume: inbox.consume, label: 'push-consumer' });
  await waitUntilPolling(ctx, 'push-consumer');
  const producer = await startProducer(ctx, { topics: [ topic ] });

  const sentIds = new Map();
  await ctx.step(`send ${COUNT} messages`, async () => {
    for (let seq = 0; seq < COUNT; seq++) {
      const { receipt } = await send(ctx, producer, { topic, seq });
      sentIds.set(seq, receipt.messageId);
    }
  });

  await ctx.step(`wait until the listener saw all ${COUNT}`, () =>
    ctx.waitFor(`${COUNT} messages in the listener (have ${inbox.messages.length})`, () => seqs(inbox.messages).length === COUNT));
  await ctx.step('wait until every AckMessage answered OK', () =>
    ctx.waitFor(`${COUNT} successful AckMessage calls`, () => ctx.trace.succeeded('ackMessage', 'push-consumer').length >= COUNT, 5000));
  await ctx.step('watch for duplicates', () => quietWindow(1000));

  const expected = [ ...Array(COUNT).keys() ];
  ctx.check(sameNumbers(seqs(inbox.messages), expected), 'listener did not see exactly the sent messages', seqs(inbox.messages));
  ctx.check(inbox.messages.length === COUNT, `listener saw ${inbox.messages.length} deliveries for ${COUNT} messages (duplicates)`,
    inbox.messages.map(message => ({ seq: message.seq, attempt: message.deliveryAttempt })));
  for (const message of inbox.messages) {
    ctx.check(message.messageId === sentIds.get(message.seq), `seq=${message.seq}: message id differs from the SendReceipt`);
    ctx.check(message.deliveryAttempt === 1, `seq=${message.seq}: delivery_attempt is ${message.deliveryAttempt}, expected 1`);
  }
  ctx.checkNoRpcProblems();
  const assignments = ctx.trace.succeeded('queryAssignment', 'push-consumer');
  return {
    sent: COUNT,
    consumed: inbox.messages.length,
    assignedQueues: assignments.length ? assignments[assignments.length - 1].response.getAssignmentsList().length : 0,
    consumer: consumer.clientId,
  };
});
