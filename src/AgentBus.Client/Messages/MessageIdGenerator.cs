using System.Buffers.Binary;
using System.Net.NetworkInformation;
using System.Security.Cryptography;

namespace AgentBus.Client.Messages;

/// <summary>
/// Message ids in the official clients' format (version 1): 17 bytes as 34 upper-case hex characters — version
/// <c>0x01</c>, the lower 6 bytes of a MAC address, the lower 2 bytes of the process id, seconds since
/// 2021-01-01T00:00:00Z (4 bytes), and a per-process sequence number (4 bytes), all big-endian.
/// </summary>
internal static class MessageIdGenerator
{
    private static readonly DateTimeOffset Epoch = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Prefix = CreatePrefix();
    private static int _sequence = -1;

    /// <summary>A new id.</summary>
    public static string Next() => Next(DateTimeOffset.UtcNow);

    /// <summary>A new id stamped with <paramref name="now"/>.</summary>
    public static string Next(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[17];
        Prefix.CopyTo(bytes);
        uint seconds = (uint)((long)(now - Epoch).TotalSeconds & 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[9..], seconds);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[13..], unchecked((uint)Interlocked.Increment(ref _sequence)));
        return Convert.ToHexString(bytes);
    }

    private static byte[] CreatePrefix()
    {
        var prefix = new byte[9];
        prefix[0] = 0x01;
        MacAddress().CopyTo(prefix.AsSpan(1, 6));
        BinaryPrimitives.WriteUInt16BigEndian(prefix.AsSpan(7), (ushort)(Environment.ProcessId & 0xFFFF));
        return prefix;
    }

    private static byte[] MacAddress()
    {
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                {
                    continue;
                }

                byte[] mac = nic.GetPhysicalAddress().GetAddressBytes();
                if (mac.Length >= 6 && mac.AsSpan(mac.Length - 6).ContainsAnyExcept((byte)0))
                {
                    return mac[^6..];
                }
            }
        }
        catch (NetworkInformationException)
        {
            // No interface information: fall back to random bytes, as the official clients do.
        }

        return RandomNumberGenerator.GetBytes(6);
    }
}
