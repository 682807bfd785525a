'use strict';

// (i) Lite subscription quota. The broker runs with MaxLiteSubscriptionsPerClient = 3.
//  - Settings.subscription.lite_subscription_quota = 3 reaches the client.
//  - Four subscribeLite() calls made at once all pass the client's own check (it counts only finished
//    subscriptions), so the broker sees four PARTIAL_ADDs: three succeed, one is answered
//    LITE_SUBSCRIPTION_QUOTA_EXCEEDED (42902), raised as a ClientException with that code.
//  - A further subscribeLite() is refused by the client itself from the pushed quota.
//  - The client's periodic COMPLETE_ADD of its three subscriptions (sent every 30 s; triggered here
//    directly) is accepted at the limit: it adds nothing new.
//  - After unsubscribeLite() frees a slot, the refused lite topic can be subscribed and receives messages.

const { LiteSubscriptionAction } = require('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb');
const { Code, ClientException } = require('../lib/errors');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox,
} = require('../lib/clients');

const { COMPLETE_ADD } = LiteSubscriptionAction;

scenario('lite-subscription-quota', async ctx => {
  const { topics, groups, broker } = resourcesFor('lite-subscription-quota');
  const parent = topics[0].name;
  const group = groups[0].name;
  const quota = broker.MaxLiteSubscriptionsPerClient;
  const names = [ ...Array(quota + 2).keys() ].map(index => `quota-${index}-${ctx.runId}`);

  const inbox = createInbox(ctx);
  const consumer = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inbox.consume });
  const subscription = ctx.settingsOf(consumer).at(-1)?.subscription;
  ctx.check(subscription?.liteSubscriptionQuota === quota,
    `Settings.subscription.lite_subscription_quota is ${subscription?.liteSubscriptionQuota}, expected the broker's ${quota}`, subscription);

  const racing = names.slice(0, quota + 1);
  const outcomes = await ctx.step(`subscribeLite ${quota + 1} lite topics at once`, () =>
    Promise.allSettled(racing.map(name => consumer.subscribeLite(name))));
  const accepted = racing.filter((name, index) => outcomes[index].status === 'fulfilled');
  const refused = racing.map((name, index) => ({ name, outcome: outcomes[index] })).filter(item => item.outcome.status === 'rejected');
  ctx.check(accepted.length === quota && refused.length === 1,
    `of ${quota + 1} concurrent PARTIAL_ADDs the broker accepted ${accepted.length}, expected ${quota}`,
    refused.map(item => ({ name: item.name, error: item.outcome.reason?.message })));
  const refusal = refused[0].outcome.reason;
  ctx.check(refusal instanceof ClientException && refusal.code === Code.LITE_SUBSCRIPTION_QUOTA_EXCEEDED,
    `the PARTIAL_ADD over the quota was answered ${refusal.name} code=${refusal.code} (${refusal.message}), expected LITE_SUBSCRIPTION_QUOTA_EXCEEDED (42902)`);
  const refusedName = refused[0].name;
  ctx.check(!consumer.getLiteTopicSet().has(refusedName), 'client kept the refused subscription');

  const syncCallsBefore = ctx.trace.callsOf('syncLiteSubscription', 'lite-consumer').length;
  const localRefusal = await ctx.step('subscribeLite one more, with the quota reached', () =>
    ctx.expectRejection('subscribeLite over the pushed quota', () => consumer.subscribeLite(names[quota + 1])));
  ctx.check(ctx.trace.callsOf('syncLiteSubscription', 'lite-consumer').length === syncCallsBefore,
    `the client asked the broker although the pushed quota was reached: ${localRefusal.message}`);

  await ctx.step('COMPLETE_ADD of the current set at the limit (the client\'s 30-second reconciliation)', () =>
    consumer.liteSubscriptionManager.syncAllLiteSubscription());
  const completeAdd = ctx.trace.callsOf('syncLiteSubscription', 'lite-consumer').filter(call => call.request.getAction() === COMPLETE_ADD).at(-1);
  ctx.check(completeAdd && completeAdd.request.getLiteTopicSetList().length === quota &&
    completeAdd.statuses?.[0]?.code === Code.OK,
  'COMPLETE_ADD of the already subscribed set at the quota was not answered OK', completeAdd && { statuses: completeAdd.statuses, grpcError: completeAdd.grpcError });

  await ctx.step(`unsubscribeLite('${accepted[0]}')`, () => consumer.unsubscribeLite(accepted[0]));
  await ctx.step(`subscribeLite('${refusedName}') in the freed slot`, () => consumer.subscribeLite(refusedName));
  await waitUntilPolling(ctx, 'lite-consumer');
  const producer = await startProducer(ctx, { topics: [ parent ] });
  await ctx.step(`send to '${refusedName}'`, () => send(ctx, producer, { topic: parent, liteTopic: refusedName, seq: 1 }));
  await ctx.step('receive it', () => ctx.waitFor(`the message on '${refusedName}'`, () => inbox.liteTopic(refusedName).length === 1, 8000));

  ctx.checkNoRpcProblems(problem => problem.code === Code.LITE_SUBSCRIPTION_QUOTA_EXCEEDED);
  return {
    quota,
    brokerRefusal: { error: refusal.name, code: refusal.code },
    clientRefusal: { code: localRefusal.code, message: localRefusal.message },
  };
});
