'use strict';

// (h, lite) Failed and suspended consumption on a LitePushConsumer:
//  - retry:   the listener fails once; the client retries locally (up to Settings.backoff_policy.max_attempts)
//             with delivery_attempt 2, then acknowledges with lite_topic set;
//  - suspend: the listener returns ConsumeResultSuspend(500 ms); the client sends ChangeInvisibleDuration
//             with lite_topic and suspend=true; the broker redelivers after about 500 ms without counting an
//             attempt;
//  - exhaust: the listener always fails; after max_attempts the client sends ForwardMessageToDeadLetterQueue
//             with lite_topic; the broker accepts it and never redelivers the message.

const { ConsumeResult, ConsumeResultSuspend } = require('rocketmq-client-nodejs');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, quietWindow,
} = require('../lib/clients');

const SUSPEND_MS = 500;

scenario('lite-retry', async ctx => {
  const { topics, groups } = resourcesFor('lite-retry');
  const parent = topics[0].name;
  const group = groups[0].name;
  const retryTopic = `retry-${ctx.runId}`;
  const suspendTopic = `suspend-${ctx.runId}`;
  const exhaustTopic = `exhaust-${ctx.runId}`;

  let suspended = false;
  const inbox = createInbox(ctx, summary => {
    if (summary.liteTopic === retryTopic) return summary.deliveryAttempt <= 1 ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
    if (summary.liteTopic === suspendTopic && !suspended) {
      suspended = true;
      return ConsumeResultSuspend.of(SUSPEND_MS);
    }
    if (summary.liteTopic === exhaustTopic) return ConsumeResult.FAILURE;
    return ConsumeResult.SUCCESS;
  });
  const consumer = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inbox.consume });
  const settings = ctx.settingsOf(consumer);
  ctx.check(settings.length > 0, 'no Settings arrived on the Telemetry stream');
  const backoff = settings[settings.length - 1].backoffPolicy;
  ctx.check(backoff && backoff.maxAttempts >= 2,
    'Settings.backoff_policy.max_attempts is missing or below 2, so a lite push consumer never retries', backoff);
  const maxAttempts = backoff.maxAttempts;

  for (const liteTopic of [ retryTopic, suspendTopic, exhaustTopic ]) {
    await ctx.step(`subscribeLite('${liteTopic}')`, () => consumer.subscribeLite(liteTopic));
  }
  await waitUntilPolling(ctx, 'lite-consumer');
  const producer = await startProducer(ctx, { topics: [ parent ] });
  await ctx.step('send one message to each lite topic', async () => {
    await send(ctx, producer, { topic: parent, liteTopic: retryTopic, seq: 1 });
    await send(ctx, producer, { topic: parent, liteTopic: suspendTopic, seq: 2 });
    await send(ctx, producer, { topic: parent, liteTopic: exhaustTopic, seq: 3 });
  });

  const attempts = liteTopic => inbox.liteTopic(liteTopic).map(message => message.deliveryAttempt);
  await ctx.step('wait for the local retry to succeed', () =>
    ctx.waitFor(`attempts [1,2] on ${retryTopic}; seen ${JSON.stringify(attempts(retryTopic))}`, () => attempts(retryTopic).length >= 2, 6000));
  await ctx.step('wait for the suspended message to come back', () =>
    ctx.waitFor(`a second delivery on ${suspendTopic}; ChangeInvisibleDuration answers ` +
      JSON.stringify(ctx.trace.callsOf('changeInvisibleDuration').map(call => call.statuses ?? call.grpcError)),
    () => attempts(suspendTopic).length >= 2, 8000));
  await ctx.step('wait for the exhausted message to be forwarded to the dead-letter queue', () =>
    ctx.waitFor(`a ForwardMessageToDeadLetterQueue answered OK; calls: ${JSON.stringify(ctx.trace.callsOf('forwardMessageToDeadLetterQueue').map(call => call.statuses ?? call.grpcError))}`,
      () => ctx.trace.succeeded('forwardMessageToDeadLetterQueue', 'lite-consumer').length >= 1, 8000));
  await ctx.step('wait until the retried and the resumed messages are acknowledged', () =>
    ctx.waitFor('2 successful AckMessage calls', () => ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= 2, 5000));
  await ctx.step('watch that nothing comes back', () => quietWindow(2000));

  ctx.check(attempts(retryTopic).join(',') === '1,2', `retry: delivery attempts ${JSON.stringify(attempts(retryTopic))}, expected [1,2]`);

  const suspendDeliveries = inbox.liteTopic(suspendTopic);
  ctx.check(suspendDeliveries.length === 2, `suspend: ${suspendDeliveries.length} deliveries, expected 2`, suspendDeliveries);
  const resumedAfterMs = suspendDeliveries[1].receivedAt - suspendDeliveries[0].receivedAt;
  ctx.check(resumedAfterMs >= SUSPEND_MS - 100, `suspend: redelivered after ${resumedAfterMs} ms, before the ${SUSPEND_MS} ms suspension ended`);
  ctx.check(suspendDeliveries[1].deliveryAttempt === suspendDeliveries[0].deliveryAttempt,
    `suspend: delivery_attempt went from ${suspendDeliveries[0].deliveryAttempt} to ${suspendDeliveries[1].deliveryAttempt}; a suspension must not count as an attempt`);
  const suspendCall = ctx.trace.callsOf('changeInvisibleDuration', 'lite-consumer')
    .find(call => call.request.getLiteTopic() === suspendTopic);
  ctx.check(suspendCall && suspendCall.request.getSuspend() === true, 'client did not send ChangeInvisibleDuration with suspend=true');

  ctx.check(attempts(exhaustTopic).length === maxAttempts,
    `exhaust: ${attempts(exhaustTopic).length} local attempts, expected max_attempts=${maxAttempts} then a dead-letter forward, and no redelivery`,
    attempts(exhaustTopic));
  const forward = ctx.trace.callsOf('forwardMessageToDeadLetterQueue', 'lite-consumer')[0];
  ctx.check(forward.request.getLiteTopic() === exhaustTopic, 'ForwardMessageToDeadLetterQueue lacks lite_topic');
  ctx.checkNoRpcProblems();
  return { maxAttempts, retryAttempts: attempts(retryTopic), suspendResumedAfterMs: resumedAfterMs, exhaustAttempts: attempts(exhaustTopic).length };
});
