namespace AgentBus.Envelopes;

/// <summary>The wire names of <see cref="MessageKind"/> (the envelope's <c>k</c> field).</summary>
internal static class MessageKinds
{
    public static string ToWire(MessageKind kind) => kind switch
    {
        MessageKind.Message => "msg",
        MessageKind.Request => "req",
        MessageKind.StreamRequest => "stream",
        MessageKind.Reply => "reply",
        MessageKind.Error => "error",
        MessageKind.Chunk => "chunk",
        MessageKind.End => "end",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParse(ReadOnlySpan<char> wire, out MessageKind kind)
    {
        switch (wire)
        {
            case "msg": kind = MessageKind.Message; return true;
            case "req": kind = MessageKind.Request; return true;
            case "stream": kind = MessageKind.StreamRequest; return true;
            case "reply": kind = MessageKind.Reply; return true;
            case "error": kind = MessageKind.Error; return true;
            case "chunk": kind = MessageKind.Chunk; return true;
            case "end": kind = MessageKind.End; return true;
            default: kind = default; return false;
        }
    }
}
