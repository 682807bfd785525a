'use strict';

// Tag filtering: a SimpleConsumer subscribed with the expression 'red||blue' and a PushConsumer subscribed with
// 'green' receive only messages with those tags (FilterExpression TAG in ReceiveMessageRequest); messages with
// other tags or none are not delivered to them, and do not block the ones behind them.

const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startSimpleConsumer, startPushConsumer, waitUntilPolling, send, createInbox, summarize,
  seqs, sameNumbers, quietWindow,
} = require('../lib/clients');
const { SimpleConsumer } = require('rocketmq-client-nodejs');

const TAGS = [ 'red', 'blue', 'green', undefined, 'red', 'yellow', 'blue', 'green' ];

scenario('tag-filter', async ctx => {
  const { topics, groups } = resourcesFor('tag-filter');
  const topic = topics[0].name;
  const simpleGroup = groups[0].name;
  const pushGroup = groups[1].name;

  const simple = new SimpleConsumer(ctx.clientOptions({
    consumerGroup: simpleGroup, subscriptions: new Map([[ topic, 'red||blue' ]]), awaitDuration: 3000,
  }));
  ctx.label(simple, 'simple-consumer');
  await ctx.step('start the simple consumer with expression red||blue', () => simple.startup());
  const inbox = createInbox(ctx);
  await startPushConsumer(ctx, { group: pushGroup, topic, consume: inbox.consume, label: 'push-consumer', expression: 'green' });
  await waitUntilPolling(ctx, 'push-consumer');
  const parked = simple.receive(16, 15000);
  await ctx.waitFor('the simple consumer\'s first ReceiveMessage', () => ctx.trace.callsOf('receiveMessage', 'simple-consumer').length > 0, 3000);
  await new Promise(resolve => setTimeout(resolve, 300));

  const producer = await startProducer(ctx, { topics: [ topic ] });
  await ctx.step(`send ${TAGS.length} messages tagged ${JSON.stringify(TAGS)}`, async () => {
    for (const [ seq, tag ] of TAGS.entries()) await send(ctx, producer, { topic, seq, tag });
  });
  const expectedSimple = TAGS.flatMap((tag, seq) => (tag === 'red' || tag === 'blue' ? [ seq ] : []));
  const expectedPush = TAGS.flatMap((tag, seq) => (tag === 'green' ? [ seq ] : []));

  const simpleGot = [];
  await ctx.step('receive red and blue with the simple consumer', async () => {
    let batch = await parked;
    const deadline = Date.now() + 8000;
    for (;;) {
      for (const view of batch) {
        await simple.ack(view);
        if (summarize(view).run === ctx.runId) simpleGot.push(summarize(view));
      }
      if (expectedSimple.every(seq => seqs(simpleGot).includes(seq)) || Date.now() > deadline) break;
      batch = await simple.receive(16, 15000);
    }
  });
  await ctx.step('wait for green on the push consumer', () =>
    ctx.waitFor(`green messages ${JSON.stringify(expectedPush)}`, () => expectedPush.every(seq => seqs(inbox.messages).includes(seq)), 8000));
  await ctx.step('watch for messages the expressions exclude', () => quietWindow(1000));

  ctx.check(sameNumbers(seqs(simpleGot), expectedSimple),
    `expression red||blue received seq ${JSON.stringify(seqs(simpleGot))} (tags ${JSON.stringify(simpleGot.map(m => m.tag))}), expected ${JSON.stringify(expectedSimple)}`);
  ctx.check(sameNumbers(seqs(inbox.messages), expectedPush),
    `expression green received seq ${JSON.stringify(seqs(inbox.messages))} (tags ${JSON.stringify(inbox.messages.map(m => m.tag))}), expected ${JSON.stringify(expectedPush)}`);
  ctx.checkNoRpcProblems();
  return { simple: seqs(simpleGot), push: seqs(inbox.messages) };
});
