'use strict';

// (i) Illegal lite topic names. The broker runs with MaxLiteTopicLength = 32 (see resources.json).
//  - SendMessage with a bad lite topic (characters outside [a-zA-Z0-9%|_-], longer than 32) is
//    answered ILLEGAL_LITE_TOPIC (40020); the client raises it as a ClientException with that code.
//  - SyncLiteSubscription with a bad name is answered 40020 too, and the client keeps no subscription.
//  - Settings.subscription.max_lite_topic_size = 32 reaches the client, which then refuses a longer name
//    itself without asking the broker.
//  - A name of exactly 32 allowed characters works end to end.

const { ClientException, Code } = require('../lib/errors');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox,
} = require('../lib/clients');

scenario('lite-illegal-name', async ctx => {
  const { topics, groups, broker } = resourcesFor('lite-illegal-name');
  const parent = topics[0].name;
  const group = groups[0].name;
  const maxLength = broker.MaxLiteTopicLength;
  const padded = length => `n${ctx.runId}`.padEnd(length, 'x');

  const producer = await startProducer(ctx, { topics: [ parent ] });
  const badNames = [
    { why: 'a space and !', name: `bad name!${ctx.runId}` },
    { why: 'the LMQ separator $', name: `a$b${ctx.runId}` },
    { why: 'a slash', name: `a/b${ctx.runId}` },
    { why: `${maxLength + 1} characters`, name: padded(maxLength + 1) },
  ];
  const sendErrors = {};
  for (const bad of badNames) {
    const err = await ctx.step(`send with lite topic '${bad.name}' (${bad.why})`, () =>
      ctx.expectRejection(`SendMessage with lite topic '${bad.name}' (${bad.why})`,
        () => send(ctx, producer, { topic: parent, liteTopic: bad.name, seq: 0 })));
    ctx.check(err instanceof ClientException && err.code === Code.ILLEGAL_LITE_TOPIC,
      `SendMessage with a lite topic with ${bad.why}: expected ILLEGAL_LITE_TOPIC (40020), got ${err.name} code=${err.code}: ${err.message}`);
    sendErrors[bad.why] = { error: err.name, code: err.code };
  }

  const inbox = createInbox(ctx);
  const consumer = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inbox.consume });
  const subscription = ctx.settingsOf(consumer).at(-1)?.subscription;
  ctx.check(subscription?.maxLiteTopicSize === maxLength,
    `Settings.subscription.max_lite_topic_size is ${subscription?.maxLiteTopicSize}, expected the broker's ${maxLength}`, subscription);

  const subscribeErrors = {};
  for (const bad of badNames.filter(item => item.name.length <= maxLength)) {
    const err = await ctx.step(`subscribeLite('${bad.name}') (${bad.why})`, () =>
      ctx.expectRejection(`subscribeLite('${bad.name}')`, () => consumer.subscribeLite(bad.name)));
    ctx.check(err instanceof ClientException && err.code === Code.ILLEGAL_LITE_TOPIC,
      `SyncLiteSubscription with a lite topic with ${bad.why}: expected ILLEGAL_LITE_TOPIC (40020), got ${err.name} code=${err.code}: ${err.message}`);
    ctx.check(!consumer.getLiteTopicSet().has(bad.name), 'client kept a refused subscription');
    subscribeErrors[bad.why] = { error: err.name, code: err.code };
  }

  const syncCallsBefore = ctx.trace.callsOf('syncLiteSubscription', 'lite-consumer').length;
  const tooLong = padded(maxLength + 1);
  const localError = await ctx.step(`subscribeLite of a ${maxLength + 1}-character name`, () =>
    ctx.expectRejection('subscribeLite of a too long name', () => consumer.subscribeLite(tooLong)));
  ctx.check(/max length/.test(localError.message) && ctx.trace.callsOf('syncLiteSubscription', 'lite-consumer').length === syncCallsBefore,
    `the client did not refuse a ${maxLength + 1}-character lite topic by itself: ${localError.message}`);

  const longest = padded(maxLength);
  await ctx.step(`subscribeLite of a ${maxLength}-character name`, () => consumer.subscribeLite(longest));
  await waitUntilPolling(ctx, 'lite-consumer');
  await ctx.step(`send to the ${maxLength}-character lite topic`, () => send(ctx, producer, { topic: parent, liteTopic: longest, seq: 1 }));
  await ctx.step('receive it', () => ctx.waitFor(`the message on '${longest}'`, () => inbox.liteTopic(longest).length === 1, 8000));

  ctx.checkNoRpcProblems(problem => problem.code === Code.ILLEGAL_LITE_TOPIC);
  return { sendErrors, subscribeErrors, clientSideRefusal: localError.message };
});
