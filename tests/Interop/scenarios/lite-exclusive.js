'use strict';

// Exclusive lite subscriptions: in a group whose lite mode is Exclusive, a second client subscribing to a
// lite topic takes it over. The broker tells the first client on its Telemetry stream
// (NotifyUnsubscribeLiteCommand with the lite topic) and from then on delivers only to the new owner.
// (rocketmq-client-nodejs 1.0.8 only logs the command; its own subscription list keeps the lite topic.)

const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, seqs, sameNumbers, quietWindow,
} = require('../lib/clients');

scenario('lite-exclusive', async ctx => {
  const { topics, groups } = resourcesFor('lite-exclusive');
  const parent = topics[0].name;
  const group = groups[0].name;
  const owned = `owned-${ctx.runId}`;

  const inboxA = createInbox(ctx);
  const inboxB = createInbox(ctx);
  const consumerA = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inboxA.consume, label: 'consumer-a' });
  const consumerB = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inboxB.consume, label: 'consumer-b' });
  await ctx.step(`consumer-a subscribeLite('${owned}')`, () => consumerA.subscribeLite(owned));
  await waitUntilPolling(ctx, 'consumer-a');
  await waitUntilPolling(ctx, 'consumer-b');
  const producer = await startProducer(ctx, { topics: [ parent ] });
  await ctx.step('send seq 1 while consumer-a owns the lite topic', () => send(ctx, producer, { topic: parent, liteTopic: owned, seq: 1 }));
  await ctx.step('consumer-a receives it', () => ctx.waitFor('seq 1 on consumer-a', () => inboxA.liteTopic(owned).length === 1, 8000));

  await ctx.step(`consumer-b subscribeLite('${owned}') (takes it over)`, () => consumerB.subscribeLite(owned));
  const notice = () => ctx.trace.telemetryCommands.find(command => command.client === 'consumer-a' &&
    command.command === 'NOTIFY_UNSUBSCRIBE_LITE_COMMAND');
  await ctx.step('consumer-a is told on its Telemetry stream', () =>
    ctx.waitFor('a NotifyUnsubscribeLiteCommand on consumer-a\'s Telemetry stream', notice, 5000));
  ctx.check(notice().value.notifyUnsubscribeLiteCommand?.liteTopic === owned,
    'NotifyUnsubscribeLiteCommand names another lite topic', notice().value);
  ctx.check(!ctx.trace.telemetryCommands.some(command => command.client === 'consumer-b' && command.command === 'NOTIFY_UNSUBSCRIBE_LITE_COMMAND'),
    'the new owner was told to unsubscribe too');

  await ctx.step('send seq 2 and 3 after the takeover', async () => {
    await send(ctx, producer, { topic: parent, liteTopic: owned, seq: 2 });
    await send(ctx, producer, { topic: parent, liteTopic: owned, seq: 3 });
  });
  await ctx.step('consumer-b receives them', () =>
    ctx.waitFor('seq 2 and 3 on consumer-b', () => sameNumbers(seqs(inboxB.liteTopic(owned)), [ 2, 3 ]), 8000));
  await ctx.step('watch that consumer-a gets nothing more', () => quietWindow(1500));
  ctx.check(sameNumbers(seqs(inboxA.liteTopic(owned)), [ 1 ]),
    `consumer-a received ${JSON.stringify(seqs(inboxA.liteTopic(owned)))} after losing the lite topic, expected only [1]`);
  ctx.checkNoRpcProblems();
  return { a: seqs(inboxA.liteTopic(owned)), b: seqs(inboxB.liteTopic(owned)), clientAStillListsTopic: consumerA.getLiteTopicSet().has(owned) };
});
