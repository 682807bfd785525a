'use strict';

// (f) Directed delivery: two LitePushConsumers of ONE group subscribe to different lite topics; each must
// receive only its own lite topic (subscriptions are per client, not per group). Both also subscribe to
// one shared lite topic, whose messages the group must consume once in total.

const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, seqs, sameNumbers, quietWindow,
} = require('../lib/clients');

const PER_TOPIC = 5;
const SHARED = 6;

scenario('lite-directed', async ctx => {
  const { topics, groups } = resourcesFor('lite-directed');
  const parent = topics[0].name;
  const group = groups[0].name;
  const topicA = `agent-a-${ctx.runId}`;
  const topicB = `agent-b-${ctx.runId}`;
  const shared = `shared-${ctx.runId}`;

  const inboxA = createInbox(ctx);
  const inboxB = createInbox(ctx);
  const consumerA = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inboxA.consume, label: 'consumer-a' });
  const consumerB = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inboxB.consume, label: 'consumer-b' });
  await ctx.step(`consumer-a subscribeLite('${topicA}')`, () => consumerA.subscribeLite(topicA));
  await ctx.step(`consumer-b subscribeLite('${topicB}')`, () => consumerB.subscribeLite(topicB));
  await ctx.step(`both subscribeLite('${shared}')`, () => Promise.all([ consumerA.subscribeLite(shared), consumerB.subscribeLite(shared) ]));
  await waitUntilPolling(ctx, 'consumer-a');
  await waitUntilPolling(ctx, 'consumer-b');

  const producer = await startProducer(ctx, { topics: [ parent ] });
  await ctx.step(`send ${PER_TOPIC} messages to each agent topic, interleaved, and ${SHARED} to the shared one`, async () => {
    for (let seq = 0; seq < PER_TOPIC; seq++) {
      await send(ctx, producer, { topic: parent, liteTopic: topicA, seq });
      await send(ctx, producer, { topic: parent, liteTopic: topicB, seq });
    }
    for (let seq = 0; seq < SHARED; seq++) await send(ctx, producer, { topic: parent, liteTopic: shared, seq });
  });

  const sharedSeen = () => [ ...inboxA.liteTopic(shared), ...inboxB.liteTopic(shared) ];
  await ctx.step('wait until each consumer has its own messages and the group has the shared ones', () =>
    ctx.waitFor(`A: ${inboxA.liteTopic(topicA).length}/${PER_TOPIC}, B: ${inboxB.liteTopic(topicB).length}/${PER_TOPIC}, shared: ${sharedSeen().length}/${SHARED}`,
      () => seqs(inboxA.liteTopic(topicA)).length === PER_TOPIC && seqs(inboxB.liteTopic(topicB)).length === PER_TOPIC &&
        seqs(sharedSeen()).length === SHARED, 10000));
  await ctx.step('watch for misdirected or duplicate deliveries', () => quietWindow(1500));

  const expected = [ ...Array(PER_TOPIC).keys() ];
  ctx.check(inboxA.liteTopic(topicB).length === 0, `consumer-a received messages of '${topicB}', which only consumer-b subscribed`, inboxA.liteTopic(topicB).map(m => m.seq));
  ctx.check(inboxB.liteTopic(topicA).length === 0, `consumer-b received messages of '${topicA}', which only consumer-a subscribed`, inboxB.liteTopic(topicA).map(m => m.seq));
  ctx.check(sameNumbers(seqs(inboxA.liteTopic(topicA)), expected) && inboxA.liteTopic(topicA).length === PER_TOPIC,
    `consumer-a did not receive each message of '${topicA}' exactly once`, inboxA.liteTopic(topicA).map(m => m.seq));
  ctx.check(sameNumbers(seqs(inboxB.liteTopic(topicB)), expected) && inboxB.liteTopic(topicB).length === PER_TOPIC,
    `consumer-b did not receive each message of '${topicB}' exactly once`, inboxB.liteTopic(topicB).map(m => m.seq));
  ctx.check(sharedSeen().length === SHARED,
    `the group consumed ${sharedSeen().length} deliveries of the ${SHARED} shared messages (each should go to one consumer once)`,
    { a: inboxA.liteTopic(shared).map(m => m.seq), b: inboxB.liteTopic(shared).map(m => m.seq) });
  ctx.checkNoRpcProblems();
  return {
    a: inboxA.messages.length,
    b: inboxB.messages.length,
    sharedSplit: { a: inboxA.liteTopic(shared).length, b: inboxB.liteTopic(shared).length },
  };
});
