using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace AgentBus.Client.Producing;

/// <summary>
/// SipHash-2-4 with the key bytes 00..0F, the hash the official clients use to map a FIFO message group to a queue,
/// so producers in every language send one group to the same queue.
/// </summary>
internal static class SipHash24
{
    private const ulong K0 = 0x0706050403020100UL;
    private const ulong K1 = 0x0f0e0d0c0b0a0908UL;

    /// <summary>The queue index of <paramref name="messageGroup"/> among <paramref name="queueCount"/> queues.</summary>
    public static int QueueIndex(string messageGroup, int queueCount)
    {
        long hash = unchecked((long)Hash(Encoding.UTF8.GetBytes(messageGroup)));
        long index = hash % queueCount;
        return (int)(index < 0 ? index + queueCount : index);
    }

    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        ulong v0 = K0 ^ 0x736f6d6570736575UL;
        ulong v1 = K1 ^ 0x646f72616e646f6dUL;
        ulong v2 = K0 ^ 0x6c7967656e657261UL;
        ulong v3 = K1 ^ 0x7465646279746573UL;
        int blocks = data.Length / 8;
        for (int i = 0; i < blocks; i++)
        {
            ulong m = BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i * 8, 8));
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }

        ulong last = (ulong)data.Length << 56;
        var tail = data[(blocks * 8)..];
        for (int i = 0; i < tail.Length; i++)
        {
            last |= (ulong)tail[i] << (8 * i);
        }

        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;
        v2 ^= 0xff;
        for (int i = 0; i < 4; i++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }

        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }
}
