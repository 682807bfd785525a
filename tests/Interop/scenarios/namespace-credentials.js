'use strict';

// Client options a deployment sets: a namespace (x-mq-namespace header, resource_namespace in requests) and
// session credentials (authorization header, MQv2-HMAC-SHA1). A broker without access control must accept
// both: Producer -> SimpleConsumer on a NORMAL topic and Producer -> LitePushConsumer on a lite topic work
// as without them, and what comes back names the topic the client used.

const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startSimpleConsumer, startLitePushConsumer, waitUntilPolling, send, createInbox, summarize,
} = require('../lib/clients');

const NAMESPACE = 'interop-ns';

scenario('namespace-credentials', async ctx => {
  const { topics, groups } = resourcesFor('namespace-credentials');
  const topic = topics[0].name;
  const parent = topics[1].name;
  const group = groups[0].name;
  const liteGroup = groups[1].name;
  const base = ctx.clientOptions;
  ctx.clientOptions = extra => base({
    namespace: NAMESPACE,
    sessionCredentials: { accessKey: 'interop-access-key', accessSecret: 'interop-secret' },
    ...extra,
  });

  const consumer = await startSimpleConsumer(ctx, { group, topic, awaitDuration: 5000 });
  const parked = consumer.receive(16, 15000);
  await ctx.waitFor('the first ReceiveMessage', () => ctx.trace.callsOf('receiveMessage', 'simple-consumer').length > 0, 3000);
  await new Promise(resolve => setTimeout(resolve, 300));
  const producer = await startProducer(ctx, { topics: [ topic, parent ] });
  const { receipt } = await ctx.step('send a normal message', () => send(ctx, producer, { topic, seq: 1 }));

  const mine = [];
  await ctx.step('receive and ack it', async () => {
    let batch = await parked;
    const deadline = Date.now() + 8000;
    for (;;) {
      for (const view of batch) {
        await consumer.ack(view);
        if (summarize(view).run === ctx.runId) mine.push(summarize(view));
      }
      if (mine.length > 0 || Date.now() > deadline) break;
      batch = await consumer.receive(16, 15000);
    }
  });
  ctx.check(mine.length === 1 && mine[0].messageId === receipt.messageId, 'the namespaced simple consumer did not get the message', mine);
  ctx.check(mine[0].topic === topic, `received message names topic '${mine[0].topic}', the client used '${topic}'`);

  const inbox = createInbox(ctx);
  const liteConsumer = await startLitePushConsumer(ctx, { group: liteGroup, bindTopic: parent, consume: inbox.consume });
  const liteTopic = `ns-${ctx.runId}`;
  await ctx.step(`subscribeLite('${liteTopic}')`, () => liteConsumer.subscribeLite(liteTopic));
  await waitUntilPolling(ctx, 'lite-consumer');
  await ctx.step('send a lite message', () => send(ctx, producer, { topic: parent, liteTopic, seq: 2 }));
  await ctx.step('receive it', () => ctx.waitFor(`the message on '${liteTopic}'`, () => inbox.liteTopic(liteTopic).length === 1, 8000));
  await ctx.step('wait for its AckMessage', () =>
    ctx.waitFor('a successful AckMessage', () => ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= 1, 5000));
  ctx.check(inbox.messages[0].topic === parent, `lite message names topic '${inbox.messages[0].topic}', the client used '${parent}'`);

  ctx.checkNoRpcProblems();
  return { namespace: NAMESPACE, normal: mine.length, lite: inbox.messages.length };
});
