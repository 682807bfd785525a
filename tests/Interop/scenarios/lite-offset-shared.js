'use strict';

// The group's one committed position per lite topic, seen from the official client. Member A of a group
// subscribes a lite topic, consumes and acks four messages; member B of the same group then subscribes the
// same lite topic with OffsetOption.MIN_OFFSET while A is still subscribed, and one more message is sent.
//   keep  (broker Broker:LiteSubscribeOffset = WhenAlone): B's option must not move the position A relies on,
//         so the group never receives the acknowledged messages again; it receives the new one once.
//   move  (the default, MoveGroup, as Apache RocketMQ 5.5): the option moves the group back, so the acknowledged
//         messages are delivered to the group a second time, then the new one.
// Usage: lite-offset-shared.js keep|move

const { OffsetOption } = require('rocketmq-client-nodejs');
const { LiteSubscriptionAction, OffsetOption: WireOffsetOption } = require('rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, seqs, sameNumbers, quietWindow,
} = require('../lib/clients');

const ACKED = [ 0, 1, 2, 3 ];
const NEW_SEQ = 10;
const mode = process.argv[2];

scenario('lite-offset-shared', async ctx => {
  if (mode !== 'keep' && mode !== 'move') throw new Error(`usage: lite-offset-shared.js keep|move (got '${mode}')`);
  const { topics, groups } = resourcesFor(mode === 'keep' ? 'lite-offset-shared' : 'lite-offset-shared-move');
  const parent = topics[0].name;
  const group = groups[0].name;
  const liteTopic = `shared-pos-${ctx.runId}`;

  const inboxA = createInbox(ctx);
  const consumerA = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inboxA.consume, label: 'member-a' });
  // Alone in the group on this lite topic, A may choose where the group starts.
  await ctx.step(`member-a subscribeLite('${liteTopic}', MIN_OFFSET)`, () => consumerA.subscribeLite(liteTopic, OffsetOption.MIN_OFFSET));
  await waitUntilPolling(ctx, 'member-a');

  const producer = await startProducer(ctx, { topics: [ parent ] });
  await ctx.step(`send seq ${ACKED.join(', ')}`, async () => {
    for (const seq of ACKED) await send(ctx, producer, { topic: parent, liteTopic, seq });
  });
  await ctx.step('member-a consumes them and every AckMessage is answered OK', () =>
    ctx.waitFor(`${ACKED.length} messages and acks at member-a; have ${JSON.stringify(seqs(inboxA.messages))}, acks ${ctx.trace.succeeded('ackMessage', 'member-a').length}`,
      () => sameNumbers(seqs(inboxA.liteTopic(liteTopic)), ACKED) && ctx.trace.succeeded('ackMessage', 'member-a').length >= ACKED.length, 8000));
  const firstRound = inboxA.liteTopic(liteTopic).length;

  const inboxB = createInbox(ctx);
  const consumerB = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inboxB.consume, label: 'member-b' });
  await ctx.step(`member-b subscribeLite('${liteTopic}', MIN_OFFSET) while member-a is subscribed`,
    () => consumerB.subscribeLite(liteTopic, OffsetOption.MIN_OFFSET));
  await waitUntilPolling(ctx, 'member-b');

  const partialAdds = ctx.trace.callsOf('syncLiteSubscription', 'member-b')
    .filter(call => call.request.getAction() === LiteSubscriptionAction.PARTIAL_ADD);
  ctx.check(partialAdds.some(call => call.request.getOffsetOption()?.getPolicy() === WireOffsetOption.Policy.MIN),
    'member-b\'s PARTIAL_ADD did not carry offset option MIN on the wire', partialAdds.map(call => call.request.toObject()));

  await ctx.step(`send seq ${NEW_SEQ}`, () => send(ctx, producer, { topic: parent, liteTopic, seq: NEW_SEQ }));
  const groupReceived = () => [ ...inboxA.liteTopic(liteTopic), ...inboxB.liteTopic(liteTopic) ];
  const replayed = () => groupReceived().filter(message => ACKED.includes(message.seq)).length - firstRound;
  const expectedReplay = mode === 'keep' ? 0 : ACKED.length;
  await ctx.step(`wait until the group has seq ${NEW_SEQ}${mode === 'move' ? ' and the acknowledged messages again' : ''}`, () =>
    ctx.waitFor(`seq ${NEW_SEQ} at the group and ${expectedReplay} replayed; have a ${JSON.stringify(inboxA.liteTopic(liteTopic).map(m => m.seq))}, b ${JSON.stringify(inboxB.liteTopic(liteTopic).map(m => m.seq))}`,
      () => groupReceived().some(message => message.seq === NEW_SEQ) && replayed() >= expectedReplay, 10000));
  await ctx.step('watch for further deliveries', () => quietWindow(1500));

  const received = {
    a: inboxA.liteTopic(liteTopic).map(message => message.seq),
    b: inboxB.liteTopic(liteTopic).map(message => message.seq),
  };
  ctx.check(replayed() === expectedReplay,
    mode === 'keep'
      ? 'member-b\'s MIN_OFFSET moved the group\'s position: the group received acknowledged messages again'
      : `with MoveGroup the group should receive the ${ACKED.length} acknowledged messages once more`,
    received);
  ctx.check(groupReceived().filter(message => message.seq === NEW_SEQ).length === 1, `the group received seq ${NEW_SEQ} other than once`, received);
  ctx.checkNoRpcProblems();
  return { mode, received, replayed: replayed() };
});
