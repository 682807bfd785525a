'use strict';

// (b) FIFO: a producer sends to a FIFO topic with three message groups, interleaved; a PushConsumer of a
// FIFO group must see each group's messages in send order, one at a time, exactly once.
// The broker tells the client the group is FIFO through Settings.subscription.fifo; without it the client
// consumes concurrently and order is lost.

const { ConsumeResult } = require('rocketmq-client-nodejs');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startPushConsumer, waitUntilPolling, send, createInbox, quietWindow,
} = require('../lib/clients');

const GROUPS = 3;
const PER_GROUP = 8;

scenario('fifo-order', async ctx => {
  const { topics, groups } = resourcesFor('fifo-order');
  const topic = topics[0].name;
  const group = groups[0].name;
  const messageGroup = index => `order-${ctx.runId}-${index}`;

  // A listener that takes a little time, so a broker handing out a group's next message before the
  // previous one is acknowledged shows up as overlap or reordering.
  const inFlight = new Set();
  const overlaps = [];
  const inbox = createInbox(ctx, async summary => {
    if (inFlight.has(summary.messageGroup)) overlaps.push({ group: summary.messageGroup, seq: summary.seq });
    inFlight.add(summary.messageGroup);
    await new Promise(resolve => setTimeout(resolve, Math.floor(Math.random() * 8)));
    inFlight.delete(summary.messageGroup);
    return ConsumeResult.SUCCESS;
  });
  const consumer = await startPushConsumer(ctx, { group, topic, consume: inbox.consume, label: 'fifo-consumer' });
  const settings = ctx.settingsOf(consumer);
  ctx.check(settings.length > 0, 'no Settings arrived on the Telemetry stream');
  const subscription = settings[settings.length - 1].subscription;
  ctx.check(subscription && subscription.fifo === true,
    'Settings.subscription.fifo is not true for a FIFO consumer group, so the client consumes concurrently', subscription);

  await waitUntilPolling(ctx, 'fifo-consumer');
  const producer = await startProducer(ctx, { topics: [ topic ] });
  await ctx.step(`send ${GROUPS}x${PER_GROUP} FIFO messages, groups interleaved`, async () => {
    for (let seq = 0; seq < PER_GROUP; seq++) {
      for (let index = 0; index < GROUPS; index++) {
        await send(ctx, producer, { topic, seq, messageGroup: messageGroup(index) });
      }
    }
  });

  const total = GROUPS * PER_GROUP;
  await ctx.step(`wait for ${total} messages`, () =>
    ctx.waitFor(`${total} messages (have ${inbox.messages.length})`, () => inbox.messages.length >= total, 12000));
  await ctx.step('watch for duplicates', () => quietWindow(800));

  const orders = {};
  for (let index = 0; index < GROUPS; index++) {
    const name = messageGroup(index);
    orders[name] = inbox.of(message => message.messageGroup === name).map(message => message.seq);
  }
  for (const [ name, order ] of Object.entries(orders)) {
    const expected = [ ...Array(PER_GROUP).keys() ];
    ctx.check(order.length === PER_GROUP && order.every((seq, position) => seq === expected[position]),
      `message group ${name} was consumed out of order or incompletely`, { order });
  }
  ctx.check(overlaps.length === 0, 'the broker delivered a message group\'s next message while the previous one was still being consumed', overlaps);
  ctx.check(inbox.messages.every(message => message.deliveryAttempt === 1), 'some messages were redelivered',
    inbox.messages.filter(message => message.deliveryAttempt !== 1));
  ctx.checkNoRpcProblems();
  return { groups: GROUPS, perGroup: PER_GROUP, consumed: inbox.messages.length, fifoSetting: subscription.fifo };
});
