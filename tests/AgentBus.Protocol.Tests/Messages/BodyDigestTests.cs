using System.IO.Hashing;
using System.Security.Cryptography;
using AgentBus.Protocol.Messages;
using Apache.Rocketmq.V2;
using CsCheck;

namespace AgentBus.Protocol.Tests.Messages;

public sealed class BodyDigestTests
{
    [Fact]
    public void Received_digests_are_checked_in_every_form_brokers_send()
    {
        byte[] body = "hello"u8.ToArray();
        Assert.True(BodyDigest.Matches(new Digest { Type = DigestType.Md5, Checksum = "5D41402ABC4B2A76B9719D911017C592" }, body));
        Assert.True(BodyDigest.Matches(new Digest { Type = DigestType.Sha1, Checksum = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d" }, body));
        Assert.True(BodyDigest.Matches(new Digest { Type = DigestType.Crc32, Checksum = "907060870" }, body));
        Assert.True(BodyDigest.Matches(new Digest { Type = DigestType.Crc32, Checksum = "3610A686" }, body));
        Assert.True(BodyDigest.Matches(new Digest { Type = DigestType.Crc32, Checksum = "3610a686" }, body));
        Assert.False(BodyDigest.Matches(new Digest { Type = DigestType.Crc32, Checksum = "3610A687" }, body));
        Assert.False(BodyDigest.Matches(new Digest { Type = DigestType.Crc32, Checksum = "not a crc" }, body));
        Assert.False(BodyDigest.Matches(new Digest { Type = DigestType.Md5, Checksum = "00" }, body));
        Assert.False(BodyDigest.Matches(DigestType.Md5, new string('A', 65), body));
        Assert.True(BodyDigest.Matches(null, body));
        Assert.True(BodyDigest.Matches(DigestType.Md5, "", body));
    }

    [Fact]
    public void What_the_broker_sends_is_upper_case_hex_of_md5_or_crc32()
    {
        byte[] body = "hello"u8.ToArray();
        Assert.Equal("5D41402ABC4B2A76B9719D911017C592", BodyDigest.Md5Hex(body));
        Assert.Equal("3610A686", BodyDigest.Crc32Hex(body));
        Span<byte> written = stackalloc byte[BodyDigest.MaxHexLength];
        Assert.Equal("3610A686"u8, written[..BodyDigest.WriteHex(body, crc32: true, written)]);
        Assert.Equal("00000000", BodyDigest.Crc32Hex([]));
    }

    [Fact]
    public void Every_digest_the_broker_writes_is_one_the_client_accepts_and_a_changed_body_is_caught()
    {
        Gen.Byte.Array[0, 2048].Sample(body =>
        {
            Span<byte> md5 = stackalloc byte[BodyDigest.MaxHexLength];
            Span<byte> crc = stackalloc byte[BodyDigest.MaxHexLength];
            var md5Hex = md5[..BodyDigest.WriteHex(body, crc32: false, md5)];
            var crcHex = crc[..BodyDigest.WriteHex(body, crc32: true, crc)];

#pragma warning disable CA5351 // the protocol's transport checksum, computed independently to compare
            Assert.Equal(Convert.ToHexString(MD5.HashData(body)), System.Text.Encoding.ASCII.GetString(md5Hex));
#pragma warning restore CA5351
            Assert.Equal(Crc32.HashToUInt32(body).ToString("X8"), System.Text.Encoding.ASCII.GetString(crcHex));
            Assert.Equal(BodyDigest.Md5Hex(body), System.Text.Encoding.ASCII.GetString(md5Hex));
            Assert.True(BodyDigest.Matches(DigestType.Md5, md5Hex, body));
            Assert.True(BodyDigest.Matches(DigestType.Crc32, crcHex, body));
            Assert.True(BodyDigest.Matches(DigestType.Md5, BodyDigest.Md5Hex(body).ToLowerInvariant(), body));
            if (body.Length > 0)
            {
                byte[] changed = [.. body];
                changed[changed.Length / 2] ^= 0x01;
                Assert.False(BodyDigest.Matches(DigestType.Md5, md5Hex, changed));
                Assert.False(BodyDigest.Matches(DigestType.Crc32, crcHex, changed));
            }
        }, iter: 300);
    }
}
