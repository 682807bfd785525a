'use strict';

// (e) Where a new lite subscription starts: subscribeLite(liteTopic, offsetOption) with the options the
// client exposes — MIN_OFFSET, MAX_OFFSET, ofOffset(n), ofTailN(n), ofTimestamp(ms). Four messages are
// stored in each lite topic before subscribing; the backlog each option selects must arrive without any
// further message being sent, then one new message per lite topic must arrive too.

const { OffsetOption } = require('rocketmq-client-nodejs');
const { scenario } = require('../lib/harness');
const {
  resourcesFor, startProducer, startLitePushConsumer, waitUntilPolling, send, createInbox, seqs, sameNumbers, quietWindow,
} = require('../lib/clients');

const NEW_SEQ = 10;

scenario('lite-offsets', async ctx => {
  const { topics, groups } = resourcesFor('lite-offsets');
  const parent = topics[0].name;
  const group = groups[0].name;
  const cases = [
    { name: 'min', option: () => OffsetOption.MIN_OFFSET, backlog: [ 0, 1, 2, 3 ] },
    { name: 'max', option: () => OffsetOption.MAX_OFFSET, backlog: [] },
    { name: 'offset1', option: () => OffsetOption.ofOffset(1), backlog: [ 1, 2, 3 ] },
    { name: 'tail2', option: () => OffsetOption.ofTailN(2), backlog: [ 2, 3 ] },
    { name: 'timestamp', option: cut => OffsetOption.ofTimestamp(cut), backlog: [ 2, 3 ] },
  ].map(item => ({ ...item, liteTopic: `off-${item.name}-${ctx.runId}` }));

  const producer = await startProducer(ctx, { topics: [ parent ] });
  let timestampCut = 0;
  await ctx.step('store 4 messages in each lite topic (seq 0-3), with a time gap between seq 1 and 2', async () => {
    const sendSeq = async seq => {
      for (const item of cases) await send(ctx, producer, { topic: parent, liteTopic: item.liteTopic, seq });
    };
    await sendSeq(0);
    await sendSeq(1);
    // The gap makes "stored at or after the cut" unambiguous whatever clock the broker stamps with.
    await new Promise(resolve => setTimeout(resolve, 400));
    timestampCut = Date.now();
    await new Promise(resolve => setTimeout(resolve, 400));
    await sendSeq(2);
    await sendSeq(3);
  });

  const inbox = createInbox(ctx);
  const consumer = await startLitePushConsumer(ctx, { group, bindTopic: parent, consume: inbox.consume });
  for (const item of cases) {
    await ctx.step(`subscribeLite('${item.liteTopic}', ${item.option(timestampCut)})`,
      () => consumer.subscribeLite(item.liteTopic, item.option(timestampCut)));
  }
  await waitUntilPolling(ctx, 'lite-consumer');

  const report = () => Object.fromEntries(cases.map(item => [ item.name, seqs(inbox.liteTopic(item.liteTopic)) ]));
  await ctx.step('wait for each option\'s backlog, with no new message sent', () =>
    ctx.waitFor(`the backlogs ${JSON.stringify(Object.fromEntries(cases.map(item => [ item.name, item.backlog ])))}; have ${JSON.stringify(report())}`,
      () => cases.every(item => item.backlog.every(seq => seqs(inbox.liteTopic(item.liteTopic)).includes(seq))), 8000));

  await ctx.step(`send one new message (seq ${NEW_SEQ}) to each lite topic`, async () => {
    for (const item of cases) await send(ctx, producer, { topic: parent, liteTopic: item.liteTopic, seq: NEW_SEQ });
  });
  await ctx.step('wait for the new messages', () =>
    ctx.waitFor(`seq ${NEW_SEQ} on every lite topic; have ${JSON.stringify(report())}`,
      () => cases.every(item => seqs(inbox.liteTopic(item.liteTopic)).includes(NEW_SEQ)), 8000));
  await ctx.step('watch for messages before the start offset or duplicates', () => quietWindow(1000));

  const received = report();
  for (const item of cases) {
    const expected = [ ...item.backlog, NEW_SEQ ];
    ctx.check(sameNumbers(received[item.name], expected),
      `OffsetOption ${item.name}: received seq ${JSON.stringify(received[item.name])}, expected ${JSON.stringify(expected)}`,
      { liteTopic: item.liteTopic, timestampCut });
    ctx.check(inbox.liteTopic(item.liteTopic).length === expected.length,
      `OffsetOption ${item.name}: some messages were delivered twice`, inbox.liteTopic(item.liteTopic).map(message => message.seq));
  }
  ctx.checkNoRpcProblems();
  return { received, timestampCut };
});
