'use strict';

// Permissions (Server:Auth:Users:N:Permissions) as the official client meets them. The user of resources.json may
// publish and subscribe on the lite parent interop-perm-lite, but only to lite topics mine-* and in the group
// interop-perm-group:
//   node auth-permissions.js   a Producer sends to mine-<run> and a LitePushConsumer subscribed to it receives and
//                              acks the message; sending to theirs-<run> fails with the client's ForbiddenException
//                              (FORBIDDEN, 40300) after its retries, subscribing to it with the ClientException its
//                              subscribeLite raises for every refusal, carrying code 40300; nothing reaches theirs-<run>.

const { ForbiddenException } = require('rocketmq-client-nodejs');
const { Code } = require('../lib/errors');
const { scenario } = require('../lib/harness');
const { resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, createInbox, send } = require('../lib/clients');

scenario('auth-permissions', async ctx => {
  const { topics, groups, auth } = resourcesFor('auth-permissions');
  const user = auth.users[0];
  const base = ctx.clientOptions;
  ctx.clientOptions = extra => base({ sessionCredentials: { accessKey: user.accessKey, accessSecret: user.secretKey }, ...extra });
  const parent = topics[0].name;
  const group = groups[0].name;
  const mine = `mine-${ctx.runId}`;
  const theirs = `theirs-${ctx.runId}`;

  const inbox = createInbox(ctx);
  const consumer = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inbox.consume });
  await ctx.step(`subscribeLite('${mine}')`, () => consumer.subscribeLite(mine));
  const subscribeError = await ctx.step(`subscribeLite('${theirs}') is refused`, () =>
    ctx.expectRejection(`subscribing to ${theirs}`, () => consumer.subscribeLite(theirs)));
  await waitUntilPolling(ctx, 'lite-consumer');

  const producer = await startProducer(ctx, { topics: [ parent ] });
  await ctx.step(`send to '${mine}'`, () => send(ctx, producer, { topic: parent, liteTopic: mine, seq: 1 }));
  const sendError = await ctx.step(`send to '${theirs}' is refused`, () =>
    ctx.expectRejection(`sending to ${theirs}`, () => send(ctx, producer, { topic: parent, liteTopic: theirs, seq: 2 })));
  await ctx.step('receive the permitted message', () => ctx.waitFor(`the message on '${mine}'`, () => inbox.liteTopic(mine).length === 1, 8000));
  await ctx.step('wait for its AckMessage', () =>
    ctx.waitFor('a successful AckMessage', () => ctx.trace.succeeded('ackMessage', 'lite-consumer').length >= 1, 5000));

  const findings = {};
  // subscribeLite (1.0.8) wraps any refusal in a plain ClientException that keeps the status code; send raises the
  // typed exception.
  for (const [ call, error, typed ] of [ [ 'subscribe', subscribeError, false ], [ 'send', sendError, true ] ]) {
    const forbidden = causes(error).find(cause => cause.code === Code.FORBIDDEN && (!typed || cause instanceof ForbiddenException));
    ctx.check(forbidden,
      `${call} to ${theirs}: expected ${typed ? 'a ForbiddenException' : 'an exception'} with code FORBIDDEN (40300), got ${causes(error).map(cause => `${cause.name}: ${cause.message}`).join(' <- ')}`);
    findings[call] = { error: forbidden.name, code: forbidden.code, message: forbidden.message };
  }

  ctx.check(inbox.liteTopic(theirs).length === 0, `a message reached ${theirs}`, inbox.messages);
  await ctx.step('shut the producer down', () => producer.shutdown());
  ctx.checkNoRpcProblems(problem => problem.code === Code.FORBIDDEN);
  return { received: inbox.liteTopic(mine).length, ...findings };
});

function causes(error) {
  const chain = [];
  for (let current = error; current && chain.length < 8; current = current.cause) chain.push(current);
  return chain;
}
