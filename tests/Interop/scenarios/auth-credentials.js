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
const { resourcesFor, startProducer, startSimpleConsumer, normalAndLiteRoundTrip } = require('../lib/clients');

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

  const { producer, consumer, inbox, mine } = await normalAndLiteRoundTrip(ctx,
    { topic, parent, group, liteGroup, liteTopic: `auth-${ctx.runId}`, who: 'signed' });

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
