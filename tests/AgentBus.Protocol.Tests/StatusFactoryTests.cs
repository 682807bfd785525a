using Apache.Rocketmq.V2;

namespace AgentBus.Protocol.Tests;

public class StatusFactoryTests
{
    [Fact]
    public void Ok_is_code_20000_with_text_OK()
    {
        var status = StatusFactory.Ok();
        Assert.Equal(Code.Ok, status.Code);
        Assert.Equal("OK", status.Message);
        Assert.True(StatusFactory.IsOk(status));
        // code = 1: 20000 = varint 0xA0 0x9C 0x01; message = 2: "OK"
        Assert.Equal(new byte[] { 0x08, 0xA0, 0x9C, 0x01, 0x12, 0x02, (byte)'O', (byte)'K' }, Google.Protobuf.MessageExtensions.ToByteArray(status));
    }

    [Fact]
    public void Of_keeps_code_and_message()
    {
        var status = StatusFactory.Of(Code.LiteTopicQuotaExceeded, "too many lite topics");
        Assert.Equal(Code.LiteTopicQuotaExceeded, status.Code);
        Assert.Equal("too many lite topics", status.Message);
        Assert.False(StatusFactory.IsOk(status));
    }

    [Fact]
    public void Of_turns_null_message_into_empty()
    {
        Assert.Equal(string.Empty, StatusFactory.Of(Code.BadRequest, null).Message);
    }

    [Fact]
    public void IsOk_is_false_for_absent_status()
    {
        Assert.False(StatusFactory.IsOk(null));
        Assert.False(StatusFactory.IsOk(new Status()));
    }

    [Fact]
    public void Each_call_returns_a_fresh_instance()
    {
        var first = StatusFactory.Ok();
        first.Message = "changed";
        Assert.Equal("OK", StatusFactory.Ok().Message);
    }
}
