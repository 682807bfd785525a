using System.Buffers.Text;
using System.Text;
using AgentBus.Broker.Topics;
using Grpc.Core;

namespace AgentBus.Server.Services.Admin;

/// <summary>
/// The opaque page token of a listing: a version tag and the last name of the page, base64url-encoded. Clients pass
/// it back unchanged; the broker reads the name the next page starts after.
/// </summary>
internal static class PageToken
{
    private const string Version = "1:";

    /// <summary>The token of a page whose last name is <paramref name="lastName"/>; empty when there is no next page.</summary>
    public static string Encode(string? lastName) =>
        lastName is null ? "" : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Version + lastName));

    /// <summary>The name a page starts after; null for an empty token (the first page).</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT: the token is not one the broker issued.</exception>
    public static string? Decode(string token, int maxNameLength) => Decode(token, maxNameLength, name => NameRules.IsValid(name, maxNameLength));

    /// <summary>The name a page starts after, for names <paramref name="isValid"/> accepts; null for an empty token.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT: the token is not one the broker issued.</exception>
    public static string? Decode(string token, int maxNameLength, Func<string, bool> isValid)
    {
        if (token.Length == 0)
        {
            return null;
        }

        string? text = null;
        if (token.Length <= 4 * (Version.Length + maxNameLength) && Base64Url.IsValid(token))
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }

        if (text is null || !text.StartsWith(Version, StringComparison.Ordinal) || !isValid(text[Version.Length..]))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "page_token is not a token this broker issued; pass next_page_token back unchanged."));
        }

        return text[Version.Length..];
    }
}
