'use strict';

// (h) Redelivery after a failed consumption, with the attempt count increasing:
//  1. PushConsumer: the listener returns FAILURE twice; the client answers each failure with
//     ChangeInvisibleDuration, and the broker must redeliver with delivery_attempt 2, then 3.
//  2. SimpleConsumer: a received message that is not acknowledged within its invisible duration comes
//     back with delivery_attempt 2; once acknowledged it never comes back.
//  3. SimpleConsumer.changeInvisibleDuration extends the invisibility: the message does not come back when
//     the original duration ends, and the ack with the new receipt handle succeeds.

const { ConsumeResult } = require('rocketmq-client-nodejs');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startPushConsumer, startSimpleConsumer, waitUntilPolling, send, createInbox, summarize,
} = require('../lib/clients');

const FAILURES = 2;
const INVISIBLE_MS = 2000;

scenario('redelivery', async ctx => {
  const { topics, groups } = resourcesFor('redelivery');
  const topic = topics[0].name;
  const pushGroup = groups[0].name;
  const simpleGroup = groups[1].name;
  const producer = await startProducer(ctx, { topics: [ topic ] });

  // Part 1: PushConsumer, failure -> ChangeInvisibleDuration -> redelivery.
  const inbox = createInbox(ctx, summary => (summary.deliveryAttempt <= FAILURES ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS));
  await startPushConsumer(ctx, { group: pushGroup, topic, consume: inbox.consume, label: 'push-consumer' });
  await waitUntilPolling(ctx, 'push-consumer');
  const { receipt } = await ctx.step('send one message for the push consumer', () => send(ctx, producer, { topic, seq: 1 }));
  await ctx.step(`wait for ${FAILURES + 1} deliveries of it`, () =>
    ctx.waitFor(`delivery attempts 1..${FAILURES + 1}; seen ${JSON.stringify(inbox.messages.map(m => m.deliveryAttempt))}; ` +
      `ChangeInvisibleDuration answers ${JSON.stringify(ctx.trace.callsOf('changeInvisibleDuration').map(c => c.statuses ?? c.grpcError))}`,
    () => inbox.messages.length >= FAILURES + 1, 12000));
  await ctx.step('wait until the final AckMessage answered OK', () =>
    ctx.waitFor('a successful AckMessage', () => ctx.trace.succeeded('ackMessage', 'push-consumer').length >= 1, 5000));
  const pushAttempts = inbox.messages.map(message => message.deliveryAttempt);
  ctx.check(inbox.messages.every(message => message.messageId === receipt.messageId), 'a redelivery carries another message id', inbox.messages);
  ctx.check(pushAttempts.join(',') === '1,2,3',
    `push consumer saw delivery_attempt ${JSON.stringify(pushAttempts)}, expected [1,2,3]`);
  ctx.check(ctx.trace.succeeded('changeInvisibleDuration', 'push-consumer').length === FAILURES,
    `expected ${FAILURES} ChangeInvisibleDuration calls answered OK`, ctx.trace.callsOf('changeInvisibleDuration'));

  // Part 2: SimpleConsumer, no ack -> redelivery after the invisible duration; ack -> gone for good.
  const consumer = await startSimpleConsumer(ctx, { group: simpleGroup, topic, awaitDuration: 4000, label: 'simple-consumer' });
  const parked = consumer.receive(1, INVISIBLE_MS);
  await ctx.waitFor('the first ReceiveMessage of the simple consumer', () => ctx.trace.callsOf('receiveMessage', 'simple-consumer').length > 0, 3000);
  await new Promise(resolve => setTimeout(resolve, 300));
  const second = await ctx.step('send one message for the simple consumer', () => send(ctx, producer, { topic, seq: 2 }));

  const own = views => views.map(view => ({ view, summary: summarize(view) })).filter(item => item.summary.run === ctx.runId && item.summary.seq === 2);
  const receiveOwn = async description => ctx.step(description, async () => {
    const deadline = Date.now() + 9000;
    let batch = own(await parked);
    while (batch.length === 0 && Date.now() < deadline) batch = own(await consumer.receive(1, INVISIBLE_MS));
    return batch;
  });
  const first = await receiveOwn(`receive it with invisible_duration ${INVISIBLE_MS} ms, and do not ack`);
  ctx.check(first.length === 1, 'the simple consumer did not receive the message');
  ctx.check(first[0].summary.deliveryAttempt === 1, `first delivery_attempt is ${first[0].summary.deliveryAttempt}, expected 1`);
  const firstAt = Date.now();

  let again = [];
  await ctx.step('receive it again once it is visible again', async () => {
    const deadline = Date.now() + 9000;
    while (again.length === 0 && Date.now() < deadline) again = own(await consumer.receive(1, INVISIBLE_MS));
  });
  ctx.check(again.length === 1, `the unacknowledged message did not come back within 9 s of its ${INVISIBLE_MS} ms invisible duration`);
  const redeliveredAfterMs = Date.now() - firstAt;
  ctx.check(again[0].summary.messageId === second.receipt.messageId, 'redelivery carries another message id');
  ctx.check(again[0].summary.deliveryAttempt === 2, `redelivery has delivery_attempt ${again[0].summary.deliveryAttempt}, expected 2`);
  ctx.check(redeliveredAfterMs >= INVISIBLE_MS - 300, `message came back after ${redeliveredAfterMs} ms, before its invisible duration ended`);
  ctx.check(again[0].summary.receiptHandle !== first[0].summary.receiptHandle, 'the redelivery reuses the old receipt handle');
  await ctx.step('ack the redelivered message', () => consumer.ack(again[0].view));

  const after = await ctx.step(`receive for a while after the ack (longer than ${INVISIBLE_MS} ms)`, async () => own(await consumer.receive(1, INVISIBLE_MS)));
  ctx.check(after.length === 0, 'the acknowledged message was delivered again', after.map(item => item.summary));

  // Part 3: extend the invisibility, then ack with the new receipt handle.
  await ctx.step('send one more message', () => send(ctx, producer, { topic, seq: 3 }));
  const third = views => views.filter(view => summarize(view).run === ctx.runId && summarize(view).seq === 3);
  let extended = [];
  await ctx.step(`receive it with invisible_duration ${INVISIBLE_MS} ms`, async () => {
    const deadline = Date.now() + 8000;
    while (extended.length === 0 && Date.now() < deadline) extended = third(await consumer.receive(1, INVISIBLE_MS));
  });
  ctx.check(extended.length === 1, 'the simple consumer did not receive the third message');
  const handleBefore = extended[0].receiptHandle;
  await ctx.step('ChangeInvisibleDuration to 6 s', () => consumer.changeInvisibleDuration(extended[0], 6000));
  ctx.check(extended[0].receiptHandle && extended[0].receiptHandle !== handleBefore,
    'ChangeInvisibleDurationResponse.receipt_handle is empty or unchanged', { before: handleBefore, after: extended[0].receiptHandle });
  const early = await ctx.step(`receive past the original ${INVISIBLE_MS} ms`, async () => third(await consumer.receive(1, INVISIBLE_MS)));
  ctx.check(early.length === 0, 'the message came back when its original invisible duration ended, although it was extended');
  await ctx.step('ack it with the new receipt handle', () => consumer.ack(extended[0]));

  ctx.checkNoRpcProblems();
  return { pushAttempts, simpleRedeliveredAfterMs: redeliveredAfterMs };
});
