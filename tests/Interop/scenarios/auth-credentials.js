'use strict';

// Authentication (Server:Auth:Enabled) with the client's own signing: sessionCredentials { accessKey,
// accessSecret } make it sign every call (authorization: MQv2-HMAC-SHA1 Credential=AK,
// SignedHeaders=x-mq-date-time, Signature=HEX over x-mq-date-time). The broker has the user of resources.json.
//   node auth-credentials.js signed        the user's secret: Producer -> SimpleConsumer on a NORMAL topic and
//                                          Producer -> LitePushConsumer on a lite topic work, every RPC answered
//                                          OK (Telemetry, ReceiveMessage streams, acks, lite syncs, termination).
//   node auth-credentials.js wrong-secret  the same access key with another secret: a Producer and a
//                                          SimpleConsumer fail to start with the client's UnauthorizedException
//                                          (UNAUTHORIZED, 40100) from QueryRoute, and nothing is sent.

const { UnauthorizedException } = require('rocketmq-client-nodejs');
const { Code } = require('../lib/errors');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startSimpleConsumer, startLitePushConsumer, waitUntilPolling, send, createInbox, summarize,
} = require('../lib/clients');

const MODES = [ 'signed', 'wrong-secret' ];
const mode = process.argv[2] ?? 'signed';

scenario('auth-credentials', async ctx => {
  ctx.check(MODES.includes(mode), `unknown mode '${mode}', expected one of ${MODES.join(', ')}`);
  const { topics, groups, auth } = resourcesFor('auth-credentials');
  const user = auth.users[0];
  const accessSecret = mode === 'signed' ? user.secretKey : `${user.secretKey}-wrong`;
  const base = ctx.clientOptions;
  ctx.clientOptions = extra => base({ sessionCredentials: { accessKey: user.accessKey, accessSecret }, ...extra });
  return mode === 'signed' ? signed(ctx, topics, groups) : wrongSecret(ctx, topics, groups);
});

async function signed(ctx, topics, groups) {
  const topic = topics[0].name;
  const parent = topics[1].name;
  const group = groups[0].name;
  const liteGroup = groups[1].name;

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
  ctx.check(mine.length === 1 && mine[0].messageId === receipt.messageId, 'the signed simple consumer did not get the message', mine);

  const inbox = createInbox(ctx);
  const liteConsumer = await startLitePushConsumer(ctx, { group: liteGroup, bindTopic: parent, consume: inbox.consume });
  const liteTopic = `auth-${ctx.runId}`;
  await ctx.step(`subscribeLite('${liteTopic}')`, () => liteConsumer.subscribeLite(liteTopic));
  await waitUntilPolling(ctx, 'lite-consumer');
  await ctx.step('send a lite message', () => send(ctx, producer, { topic: parent, liteTopic, seq: 2 }));
  await ctx.step('receive it', () => ctx.waitFor(`the message on '${liteTopic}'`, () => inbox.liteTopic(liteTopic).length === 1, 8000));
  await ctx.step('wait for its AckMessage', () =>
    ctx.waitFor('a successful AckMessage', () => ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= 1, 5000));

  // The lite consumer is left running: its shutdown waits for its parked long poll to end.
  await ctx.step('shut the producer and the simple consumer down', () => Promise.all([ producer.shutdown(), consumer.shutdown() ]));
  ctx.check(ctx.trace.succeeded('notifyClientTermination').length === 2,
    'NotifyClientTermination was not answered OK for both clients', ctx.trace.callsOf('notifyClientTermination').map(call => call.statuses ?? call.grpcError));
  ctx.checkNoRpcProblems();
  return { mode: 'signed', normal: mine.length, lite: inbox.messages.length };
}

async function wrongSecret(ctx, topics, groups) {
  const topic = topics[0].name;
  const group = groups[0].name;

  // Both start at once: the client retries QueryRoute three times (1 s, then 2 s apart) before giving up.
  const [ producerError, consumerError ] = await ctx.step('start a Producer and a SimpleConsumer with a wrong secret', () =>
    Promise.all([
      ctx.expectRejection('a producer with a wrong secret', () => startProducer(ctx, { topics: [ topic ] })),
      ctx.expectRejection('a consumer with a wrong secret', () => startSimpleConsumer(ctx, { group, topic })),
    ]));

  const findings = {};
  for (const [ client, error ] of [ [ 'producer', producerError ], [ 'consumer', consumerError ] ]) {
    // Startup wraps the QueryRoute error twice ("Startup ... failed" -> "Failed to fetch topic routes" -> cause).
    const unauthorized = causes(error).find(cause => cause instanceof UnauthorizedException);
    ctx.check(unauthorized && unauthorized.code === Code.UNAUTHORIZED,
      `${client} with a wrong secret: expected an UnauthorizedException with code UNAUTHORIZED (40100), got ${causes(error).map(cause => `${cause.name}: ${cause.message}`).join(' <- ')}`);
    findings[client] = { error: unauthorized.name, code: unauthorized.code, message: unauthorized.message };
  }

  const refused = ctx.trace.callsOf('queryRoute');
  ctx.check(refused.length > 0 && refused.every(call => call.statuses?.[0]?.code === Code.UNAUTHORIZED),
    'every QueryRoute should be answered UNAUTHORIZED', refused.map(call => call.statuses ?? call.grpcError));
  ctx.check(ctx.trace.callsOf('sendMessage').length === 0 && ctx.trace.callsOf('receiveMessage').length === 0,
    'a client that failed to start still sent or received');
  ctx.checkNoRpcProblems(problem => problem.code === Code.UNAUTHORIZED);
  return { mode: 'wrong-secret', queryRoutes: refused.length, ...findings };
}

function causes(error) {
  const chain = [];
  for (let current = error; current && chain.length < 8; current = current.cause) chain.push(current);
  return chain;
}
