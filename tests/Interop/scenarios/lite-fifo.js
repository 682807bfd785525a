'use strict';

// (g) FIFO per lite topic: a FIFO consumer group bound to a LITE parent. Messages of three lite topics
// are sent interleaved; the consumer (consuming lite topics in parallel, each one sequentially) must see
// every lite topic in send order, one message at a time, exactly once.

const { ConsumeResult } = require('rocketmq-client-nodejs');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, quietWindow,
} = require('../lib/clients');

const LITE_TOPICS = 3;
const PER_TOPIC = 10;

scenario('lite-fifo', async ctx => {
  const { topics, groups } = resourcesFor('lite-fifo');
  const parent = topics[0].name;
  const group = groups[0].name;
  const liteTopics = [ ...Array(LITE_TOPICS).keys() ].map(index => `session-${index}-${ctx.runId}`);

  const inFlight = new Set();
  const overlaps = [];
  const inbox = createInbox(ctx, async summary => {
    if (inFlight.has(summary.liteTopic)) overlaps.push({ liteTopic: summary.liteTopic, seq: summary.seq });
    inFlight.add(summary.liteTopic);
    await new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 6)));
    inFlight.delete(summary.liteTopic);
    return ConsumeResult.SUCCESS;
  });
  const consumer = await startLitePushConsumer(ctx, {
    group, bindTopic: parent, consume: inbox.consume, enableFifoConsumeAccelerator: true,
  });
  const settings = ctx.settingsOf(consumer);
  ctx.check(settings.length > 0, 'no Settings arrived on the Telemetry stream');
  const subscription = settings[settings.length - 1].subscription;
  ctx.check(subscription && subscription.fifo === true,
    'Settings.subscription.fifo is not true for a FIFO lite group, so the client consumes concurrently', subscription);

  for (const liteTopic of liteTopics) {
    await ctx.step(`subscribeLite('${liteTopic}')`, () => consumer.subscribeLite(liteTopic));
  }
  await waitUntilPolling(ctx, 'lite-consumer');
  const producer = await startProducer(ctx, { topics: [ parent ] });
  await ctx.step(`send ${PER_TOPIC} messages to each of ${LITE_TOPICS} lite topics, interleaved`, async () => {
    for (let seq = 0; seq < PER_TOPIC; seq++) {
      for (const liteTopic of liteTopics) await send(ctx, producer, { topic: parent, liteTopic, seq });
    }
  });

  const total = LITE_TOPICS * PER_TOPIC;
  await ctx.step(`wait for ${total} messages`, () =>
    ctx.waitFor(`${total} messages (have ${inbox.messages.length})`, () => inbox.messages.length >= total, 12000));
  await ctx.step('watch for duplicates', () => quietWindow(800));

  const orders = Object.fromEntries(liteTopics.map(liteTopic => [ liteTopic, inbox.liteTopic(liteTopic).map(message => message.seq) ]));
  const expected = [ ...Array(PER_TOPIC).keys() ];
  for (const [ liteTopic, order ] of Object.entries(orders)) {
    ctx.check(order.length === PER_TOPIC && order.every((seq, position) => seq === expected[position]),
      `lite topic ${liteTopic} was consumed out of order or incompletely`, { order });
  }
  ctx.check(overlaps.length === 0, 'the broker delivered a lite topic\'s next message while the previous one was still being consumed', overlaps);
  ctx.checkNoRpcProblems();
  return { liteTopics: LITE_TOPICS, perTopic: PER_TOPIC, consumed: inbox.messages.length };
});
