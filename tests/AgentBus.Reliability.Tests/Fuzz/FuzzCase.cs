using Google.Protobuf;
using Grpc.Core;

namespace AgentBus.Reliability.Tests.Fuzz;

/// <summary>One fuzzed call: the RPC, the request messages as bytes (several for Telemetry), the headers, and what was done.</summary>
internal sealed record FuzzCase(int Number, Rpc Rpc, IReadOnlyList<byte[]> Requests, Metadata Headers, string Description)
{
    /// <summary>Whether a request is above Server:MaxReceiveMessageSize.</summary>
    public bool IsOversize => Requests.Any(static request => request.Length > FuzzInvoker.MaxRequestBytes);

    public override string ToString() => $"#{Number} {Rpc.Name}: {Description}";
}

/// <summary>
/// Makes fuzz cases from a seeded <see cref="Random"/>: the same seed gives the same cases in the same order, so a
/// failure replays with <c>AGENTBUS_FUZZ_SEED</c>.
/// </summary>
internal sealed class CaseGenerator(Seeds seeds, Random random, int maxRequestBytes)
{
    private static readonly string[] ClientIds = ["fuzz-client-1", "fuzz-client-2", "fuzz-client-3", "fuzz-client-4"];
    private int _number;

    public FuzzCase Next()
    {
        var rpc = Rpc.Weighted[random.Next(Rpc.Weighted.Count)];
        if ((_number + 1) % 1000 == 0)
        {
            // Once a thousand cases: a body above Server:MaxReceiveMessageSize (megabytes on the wire, so rarely).
            var (oversizeHeaders, _) = Headers();
            return new FuzzCase(++_number, rpc, [Random(maxRequestBytes + 1 + random.Next(1024))], oversizeHeaders, "oversize random body");
        }

        int count = rpc.Name is "Telemetry" or "Open" ? random.Next(1, 4) : 1;
        var requests = new List<byte[]>(count);
        var described = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            var (bytes, description) = Body(rpc);
            requests.Add(bytes);
            described.Add(description);
        }

        var (headers, headerDescription) = Headers();
        return new FuzzCase(++_number, rpc, requests, headers, string.Join(" / ", described) + headerDescription);
    }

    private (byte[] Bytes, string Description) Body(Rpc rpc)
    {
        // Field edits can multiply into gigabytes (thousands of copies of a message with huge properties); those are
        // drawn again, as bodies above the limit have their own case once a thousand.
        for (int attempt = 1; ; attempt++)
        {
            var (bytes, description) = DrawBody(rpc);
            if (bytes.Length <= maxRequestBytes || attempt == 10)
            {
                return (bytes, description);
            }
        }
    }

    private (byte[] Bytes, string Description) DrawBody(Rpc rpc)
    {
        var seed = seeds.For(rpc, random);
        switch (random.Next(20))
        {
            case 0:
                return (Random(random.Next(0, 256)), "random bytes");
            case 1:
                return ([], "empty body");
            case 3:
            case 4:
                return (BitFlips(seed.ToByteArray()), "bit flips");
            case 5:
            {
                byte[] valid = seed.ToByteArray();
                return (valid[..random.Next(valid.Length + 1)], $"truncated from {valid.Length}");
            }

            case 6:
                return (UnknownField(seed.ToByteArray()), "unknown field appended");
            case 7:
                return (seed.ToByteArray(), "valid");
            case 8:
            case 9:
                return MutatedThenEncoded(seed, FieldMutator.MutateTimes(seed, random));
            default:
                return MutatedThenEncoded(seed, FieldMutator.Mutate(seed, random));
        }
    }

    /// <summary>The message encoded after the mutation that <paramref name="description"/> describes was applied.</summary>
    private (byte[] Bytes, string Description) MutatedThenEncoded(IMessage mutated, string description)
    {
        // The size wraps around past 2 GiB (copies of copies); such a message is only marked as too large.
        int size = mutated.CalculateSize();
        return size < 0 || size > maxRequestBytes ? (new byte[maxRequestBytes + 1], description + " (oversize)") : (mutated.ToByteArray(), description);
    }

    private byte[] BitFlips(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        int flips = random.Next(1, 9);
        for (int i = 0; i < flips; i++)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }

        return bytes;
    }

    private byte[] UnknownField(byte[] bytes)
    {
        // A high field number with each wire type; a length-delimited one may claim more bytes than follow.
        var output = new List<byte>(bytes);
        int wireType = random.Next(6);
        uint tag = ((uint)random.Next(100, 536_870_911) << 3) | (uint)wireType;
        for (; tag >= 0x80; tag >>= 7)
        {
            output.Add((byte)(tag | 0x80));
        }

        output.Add((byte)tag);
        output.AddRange(Random(random.Next(0, 12)));
        return [.. output];
    }

    private (Metadata Headers, string Description) Headers()
    {
        var headers = new Metadata();
        string clientId = ClientIds[random.Next(ClientIds.Length)];
        string description = "";
        switch (random.Next(13))
        {
            case 7:
                // Beyond Kestrel's limit of 16 KiB a header field, within the 32 KiB of all headers the client checks itself.
                headers.Add("x-mq-request-id", new string('h', random.Next(17_000, 30_000)));
                description = " [header beyond the server's limit]";
                break;
            case 0:
                description = " [no x-mq-client-id]";
                clientId = "";
                break;
            case 1:
                clientId = Printable(random.Next(1, 40));
                description = $" [garbage client id '{clientId}']";
                break;
            case 2:
                clientId = new string('c', random.Next(257, 8000));
                description = $" [client id of {clientId.Length} chars]";
                break;
            case 3:
                headers.Add("x-mq-request-id", new string('r', random.Next(1000, 16_000)));
                description = " [huge x-mq-request-id]";
                break;
            case 4:
                headers.Add("x-mq-protocol-version", Printable(random.Next(0, 20)));
                headers.Add("x-mq-language", Printable(random.Next(0, 20)));
                headers.Add("x-mq-date-time", Printable(random.Next(0, 30)));
                description = " [garbage x-mq-* headers]";
                break;
            case 5:
                headers.Add("authorization", "MQv2-HMAC-SHA1 " + Printable(random.Next(0, 200)));
                description = " [garbage authorization]";
                break;
            case 6:
                headers.Add("agentbus-receive-mode", random.Next(2) == 0 ? "continuous" : Printable(10));
                headers.Add("agentbus-receive-max-bytes", random.Next(3) switch { 0 => "-1", 1 => "99999999999999999999", _ => Printable(5) });
                description = " [receive-mode headers]";
                break;
        }

        if (clientId.Length > 0)
        {
            headers.Add("x-mq-client-id", clientId);
        }

        if (headers.Get("x-mq-language") is null)
        {
            headers.Add("x-mq-language", "DOTNET");
            headers.Add("x-mq-protocol-version", "v2");
        }

        if (headers.Get("x-mq-request-id") is null)
        {
            headers.Add("x-mq-request-id", "req-" + random.Next());
        }

        return (headers, description);
    }

    private string Printable(int length)
    {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0x21, 0x7F);
        }

        return new string(chars);
    }

    private byte[] Random(int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
