using AgentBus.Broker.Consumption;
using AgentBus.Broker.Errors;
using AgentBus.Broker.Queues;
using CsCheck;

namespace AgentBus.Broker.Tests.Consumption;

public sealed class ReceiptHandleCodecTests
{
    private const string NameChars = "abcXYZ019%|_-";

    [Fact]
    public void A_handle_finds_its_queue_offset_and_delivery_again()
    {
        var codec = new ReceiptHandleCodec();
        var queues = new QueueTable(maxLiteTopics: 100_000);
        Gen.Select(Gen.String[Gen.Char[NameChars], 1, 127], Gen.String[Gen.Char[NameChars], 1, 1024].Null(), Gen.Int[1, 16],
                Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue])
            .Sample((topic, lite, queueCount, offset, seq) =>
            {
                var queue = lite is null
                    ? queues.GetOrCreateNormal(topic, queueCount, 0)[queueCount - 1]
                    : queues.GetOrCreateLite(topic, lite, 0, out _);
                string text = codec.Encode(queue, offset, seq);

                var handle = codec.Decode(text, queues);

                Assert.Same(queue, handle.Queue);
                Assert.Equal((offset, seq), (handle.Offset, handle.DeliverySeq));
                Assert.All(text, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' in {text}"));
            }, iter: 2_000);
    }

    [Fact]
    public void A_lite_topic_handle_stays_short()
    {
        var codec = new ReceiptHandleCodec();
        var queues = new QueueTable(maxLiteTopics: 10);
        var queue = queues.GetOrCreateLite("agentbus", new string('r', 30), 0, out _);

        // A delivery sequence and an offset in the millions: each a varint of 4 bytes.
        string text = codec.Encode(queue, offset: 3_000_000, deliverySeq: 250_000_000);

        // Version, flags, 9 + 31 bytes of names, 8 of varints, 8 of tag = 58 bytes.
        Assert.Equal(78, text.Length);
    }

    [Fact]
    public void Every_altered_character_is_refused()
    {
        var codec = new ReceiptHandleCodec();
        var queues = new QueueTable(maxLiteTopics: 10);
        string text = codec.Encode(queues.GetOrCreateLite("agentbus", "inbox-a", 0, out _), 7, 99);
        for (int i = 0; i < text.Length; i++)
        {
            foreach (char other in "AZaz09-_")
            {
                if (other == text[i])
                {
                    continue;
                }

                string altered = string.Concat(text.AsSpan(0, i), other.ToString(), text.AsSpan(i + 1));
                // A changed last character may only alter the unused low bits of the final base64 group.
                if (i == text.Length - 1 && DecodesTo(codec, queues, altered, text))
                {
                    continue;
                }

                var error = Assert.Throws<BrokerException>(() => codec.Decode(altered, queues));
                Assert.Equal(BrokerErrorCode.InvalidReceiptHandle, error.Code);
            }
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("!!!!")]
    [InlineData("AA")]
    public void Malformed_text_is_refused(string? text)
    {
        var error = Assert.Throws<BrokerException>(() => new ReceiptHandleCodec().Decode(text, new QueueTable(10)));

        Assert.Equal(BrokerErrorCode.InvalidReceiptHandle, error.Code);
    }

    [Fact]
    public void A_handle_from_another_broker_is_refused()
    {
        var queues = new QueueTable(maxLiteTopics: 10);
        string text = new ReceiptHandleCodec().Encode(queues.GetOrCreateLite("agentbus", "inbox-a", 0, out _), 7, 99);

        var error = Assert.Throws<BrokerException>(() => new ReceiptHandleCodec().Decode(text, queues));

        Assert.Equal(BrokerErrorCode.InvalidReceiptHandle, error.Code);
    }

    [Fact]
    public void The_handle_of_a_removed_lite_topic_finds_no_queue_not_its_successor()
    {
        var codec = new ReceiptHandleCodec();
        var queues = new QueueTable(maxLiteTopics: 10);
        var queue = queues.GetOrCreateLite("agentbus", "inbox-a", 0, out _);
        string text = codec.Encode(queue, 7, 99);

        Assert.True(queues.RemoveLite(queue));
        Assert.Null(codec.Decode(text, queues).Queue);

        // A lite topic of the same name created later is found by name; the engine then refuses the delivery
        // sequence, which the new queue never issued.
        var successor = queues.GetOrCreateLite("agentbus", "inbox-a", 0, out _);
        Assert.Same(successor, codec.Decode(text, queues).Queue);
        Assert.NotSame(queue, successor);
    }

    private static bool DecodesTo(ReceiptHandleCodec codec, QueueTable queues, string altered, string original)
    {
        try
        {
            var a = codec.Decode(altered, queues);
            var b = codec.Decode(original, queues);
            return a == b;
        }
        catch (BrokerException)
        {
            return false;
        }
    }
}
