namespace AgentBus.Client.Configuration;

/// <summary>ACL credentials: every call is signed with <c>MQv2-HMAC-SHA1</c> over the <c>x-mq-date-time</c> header.</summary>
/// <param name="AccessKey">The access key (sent in clear as the credential).</param>
/// <param name="AccessSecret">The secret the signature is computed with (never sent).</param>
/// <param name="SecurityToken">Optional session token, sent as <c>x-mq-session-token</c>.</param>
public sealed record SessionCredentials(string AccessKey, string AccessSecret, string? SecurityToken = null)
{
    /// <inheritdoc />
    public override string ToString() => $"SessionCredentials {{ AccessKey = {AccessKey} }}";
}
