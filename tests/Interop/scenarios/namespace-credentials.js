'use strict';

// Client options a deployment sets: a namespace (x-mq-namespace header, resource_namespace in requests) and
// session credentials (authorization header, MQv2-HMAC-SHA1). A broker without access control must accept
// both: Producer -> SimpleConsumer on a NORMAL topic and Producer -> LitePushConsumer on a lite topic work
// as without them, and what comes back names the topic the client used.

const { scenario } = require('../lib/harness');
const { resourcesFor, normalAndLiteRoundTrip } = require('../lib/clients');

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

  const { inbox, mine } = await normalAndLiteRoundTrip(ctx,
    { topic, parent, group, liteGroup, liteTopic: `ns-${ctx.runId}`, who: 'namespaced' });
  ctx.check(mine[0].topic === topic, `received message names topic '${mine[0].topic}', the client used '${topic}'`);
  ctx.check(inbox.messages[0].topic === parent, `lite message names topic '${inbox.messages[0].topic}', the client used '${parent}'`);

  ctx.checkNoRpcProblems();
  return { namespace: NAMESPACE, normal: mine.length, lite: inbox.messages.length };
});
