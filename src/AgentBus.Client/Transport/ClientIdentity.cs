using System.Globalization;

namespace AgentBus.Client.Transport;

/// <summary>
/// Client ids as the official clients make them: <c>hostname@pid@index@time</c>, unique per client instance. Brokers key
/// lite subscriptions, settings and long polls by this id (<c>x-mq-client-id</c>).
/// </summary>
internal static class ClientIdentity
{
    private static long _index = -1;

    /// <summary>This machine's name, sent as born host and in the user agent.</summary>
    public static string HostName { get; } = SafeHostName();

    /// <summary>A new id.</summary>
    public static string NewClientId()
    {
        long index = Interlocked.Increment(ref _index);
        long nowMillis = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return string.Create(CultureInfo.InvariantCulture, $"{HostName}@{Environment.ProcessId}@{index}@{ToBase36(nowMillis)}");
    }

    private static string SafeHostName()
    {
        try
        {
            return Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            return "localhost";
        }
    }

    private static string ToBase36(long value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        Span<char> buffer = stackalloc char[16];
        int position = buffer.Length;
        do
        {
            buffer[--position] = digits[(int)(value % 36)];
            value /= 36;
        }
        while (value > 0);
        return new string(buffer[position..]);
    }
}
