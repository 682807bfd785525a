// Produces the byte fixtures in NodeClientFixtures.cs with the protobuf code that ships
// inside the rocketmq-client-nodejs 1.0.8 npm package (proto/apache/rocketmq/v2/*_pb.js).
//
// Usage (nothing of it is kept in the repository):
//   cd "$(mktemp -d)" && npm pack rocketmq-client-nodejs@1.0.8 && tar xzf rocketmq-client-nodejs-1.0.8.tgz
//   (cd package && npm install --omit=dev --ignore-scripts)
//   node /path/to/make-fixtures.js "$PWD/package"
// It prints one "Name = base64" line per fixture.
'use strict';
const path = require('path');
const root = process.argv[2];
if (!root) throw new Error('pass the unpacked npm package folder');
const def = require(path.join(root, 'proto/apache/rocketmq/v2/definition_pb.js'));
const svc = require(path.join(root, 'proto/apache/rocketmq/v2/service_pb.js'));
const { Duration } = require(path.join(root, 'node_modules/google-protobuf/google/protobuf/duration_pb.js'));
const { Timestamp } = require(path.join(root, 'node_modules/google-protobuf/google/protobuf/timestamp_pb.js'));

const resource = (name, ns) => { const r = new def.Resource().setName(name); if (ns) r.setResourceNamespace(ns); return r; };
const fixtures = {};

// SyncLiteSubscriptionRequest carrying every field.
fixtures.SyncLiteSubscriptionComplete = new svc.SyncLiteSubscriptionRequest()
  .setAction(def.LiteSubscriptionAction.COMPLETE_ADD)
  .setTopic(resource('parent-topic', 'ns1'))
  .setGroup(resource('lite-group'))
  .setLiteTopicSetList(['chat-1', 'chat-2'])
  .setVersion(42)
  .setOffsetOption(new def.OffsetOption().setTailN(10));

// PARTIAL_ADD is 0 and so absent on the wire; OffsetOption.policy = LAST (0) is a oneof member and so present.
fixtures.SyncLiteSubscriptionPartialAddLast = new svc.SyncLiteSubscriptionRequest()
  .setAction(def.LiteSubscriptionAction.PARTIAL_ADD)
  .setTopic(resource('parent-topic'))
  .setGroup(resource('lite-group'))
  .setLiteTopicSetList(['chat-9'])
  .setOffsetOption(new def.OffsetOption().setPolicy(def.OffsetOption.Policy.LAST));

// AckMessageRequest with one lite entry.
{
  const req = new svc.AckMessageRequest().setGroup(resource('lite-group')).setTopic(resource('parent-topic'));
  req.addEntries().setMessageId('01AB').setReceiptHandle('rh-1').setLiteTopic('chat-1');
  fixtures.AckLite = req;
}

// ChangeInvisibleDurationRequest as a lite push consumer sends it when suspending.
fixtures.ChangeInvisibleLiteSuspend = new svc.ChangeInvisibleDurationRequest()
  .setGroup(resource('lite-group'))
  .setTopic(resource('parent-topic'))
  .setReceiptHandle('rh-2')
  .setInvisibleDuration(new Duration().setSeconds(5).setNanos(500000000))
  .setMessageId('01CD')
  .setLiteTopic('chat-2')
  .setSuspend(true);

// ForwardMessageToDeadLetterQueueRequest with a lite topic.
fixtures.ForwardToDlqLite = new svc.ForwardMessageToDeadLetterQueueRequest()
  .setGroup(resource('lite-group'))
  .setTopic(resource('parent-topic'))
  .setReceiptHandle('rh-3')
  .setMessageId('01EF')
  .setDeliveryAttempt(3)
  .setMaxDeliveryAttempts(16)
  .setLiteTopic('chat-3');

// A lite message as a producer sends it (one user property keeps map order unambiguous).
{
  const sp = new def.SystemProperties()
    .setMessageId('01LITE')
    .setBodyEncoding(def.Encoding.IDENTITY)
    .setMessageType(def.MessageType.LITE)
    .setBornTimestamp(new Timestamp().setSeconds(1700000000).setNanos(123000000))
    .setBornHost('host-a')
    .setLiteTopic('chat-1')
    .setPriority(7);
  const msg = new def.Message().setTopic(resource('parent-topic')).setSystemProperties(sp).setBody(Buffer.from('hello'));
  msg.getUserPropertiesMap().set('k', 'v');
  fixtures.SendLiteMessage = new svc.SendMessageRequest().setMessagesList([msg]);
}

// Settings of a lite push consumer, sent over Telemetry.
{
  const sub = new def.Subscription()
    .setGroup(resource('lite-group'))
    .setSubscriptionsList([new def.SubscriptionEntry().setTopic(resource('parent-topic'))
      .setExpression(new def.FilterExpression().setType(def.FilterType.TAG).setExpression('*'))])
    .setFifo(true)
    .setReceiveBatchSize(32)
    .setLongPollingTimeout(new Duration().setSeconds(30))
    .setLiteSubscriptionQuota(1200)
    .setMaxLiteTopicSize(64);
  const settings = new def.Settings()
    .setClientType(def.ClientType.LITE_PUSH_CONSUMER)
    .setRequestTimeout(new Duration().setSeconds(3))
    .setSubscription(sub)
    .setUserAgent(new def.UA().setLanguage(def.Language.NODE_JS).setVersion('1.0.8').setPlatform('linux').setHostname('h1'));
  fixtures.TelemetryLiteSettings = new svc.TelemetryCommand().setSettings(settings);
}

// Broker-to-client unsubscribe notice.
fixtures.TelemetryNotifyUnsubscribeLite = new svc.TelemetryCommand()
  .setStatus(new def.Status().setCode(def.Code.OK).setMessage('OK'))
  .setNotifyUnsubscribeLiteCommand(new svc.NotifyUnsubscribeLiteCommand().setLiteTopic('chat-4'));

// A quota rejection as the client would read it.
fixtures.SyncLiteQuotaExceededResponse = new svc.SyncLiteSubscriptionResponse()
  .setStatus(new def.Status().setCode(def.Code.LITE_SUBSCRIPTION_QUOTA_EXCEEDED).setMessage('quota'));

// Heartbeat of a lite simple consumer.
fixtures.HeartbeatLiteSimple = new svc.HeartbeatRequest()
  .setGroup(resource('lite-group'))
  .setClientType(def.ClientType.LITE_SIMPLE_CONSUMER);

for (const [name, message] of Object.entries(fixtures)) {
  console.log(`${name} = ${Buffer.from(message.serializeBinary()).toString('base64')}`);
}
