'use strict';

// Many lite topics on one consumer, with a small ready set. The broker runs with ReadySetCapacity = 16:
// once more lite topics have messages than the consumer's ready set holds, the broker must fall back to a
// full dispatch of the consumer's subscriptions — no lite topic may stall with messages pending. One
// LitePushConsumer subscribes to 150 lite topics; two rounds of one message per lite topic must all arrive,
// each exactly once.

const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, quietWindow,
} = require('../lib/clients');

const LITE_TOPICS = 150;
const ROUNDS = 2;

scenario('lite-many', async ctx => {
  const { topics, groups } = resourcesFor('lite-many');
  const parent = topics[0].name;
  const group = groups[0].name;
  const names = [ ...Array(LITE_TOPICS).keys() ].map(index => `many-${index}-${ctx.runId}`);

  const inbox = createInbox(ctx);
  const consumer = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inbox.consume });
  await ctx.step(`subscribeLite ${LITE_TOPICS} lite topics`, async () => {
    for (let start = 0; start < names.length; start += 25) {
      await Promise.all(names.slice(start, start + 25).map(name => consumer.subscribeLite(name)));
    }
  });
  await waitUntilPolling(ctx, 'lite-consumer');
  const producer = await startProducer(ctx, { topics: [ parent ] });

  const received = () => new Set(inbox.messages.map(message => `${message.liteTopic}/${message.seq}`));
  for (let round = 0; round < ROUNDS; round++) {
    await ctx.step(`round ${round}: send one message to each lite topic`, async () => {
      for (let start = 0; start < names.length; start += 10) {
        await Promise.all(names.slice(start, start + 10).map(liteTopic => send(ctx, producer, { topic: parent, liteTopic, seq: round })));
      }
    });
  }
  const total = LITE_TOPICS * ROUNDS;
  await ctx.step(`wait for all ${total} messages`, () =>
    ctx.waitFor(`${total} distinct messages (have ${received().size})`, () => received().size === total, 12000));
  await ctx.step('watch for duplicates', () => quietWindow(1000));

  const stalled = names.filter(name => inbox.liteTopic(name).length < ROUNDS);
  ctx.check(stalled.length === 0, `${stalled.length} lite topics stalled with messages pending`, stalled.slice(0, 10));
  ctx.check(inbox.messages.length === total, `${inbox.messages.length} deliveries for ${total} messages (duplicates)`);
  ctx.checkNoRpcProblems();
  return { liteTopics: LITE_TOPICS, rounds: ROUNDS, delivered: inbox.messages.length, receives: ctx.trace.callsOf('receiveMessage').length };
});
