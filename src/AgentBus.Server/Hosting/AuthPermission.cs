namespace AgentBus.Server.Hosting;

/// <summary>
/// One grant of a user (an entry of <c>Server:Auth:Users:N:Permissions</c>): <see cref="Actions"/> on the topics that
/// <see cref="Topic"/> matches, restricted to the lite topics of <see cref="LiteTopics"/> and, for subscribing, the
/// consumer groups of <see cref="Groups"/>. Every name is matched by a pattern where <c>*</c> stands for any run of
/// characters (none included) and every other character for itself, case-sensitively, against the whole name:
/// <c>agent|billing</c> is one lite topic, <c>session|billing-*</c> every session whose id starts with
/// <c>billing-</c>, <c>*</c> everything. A user's grants add up: a call is allowed when one grant covers it whole.
/// </summary>
public sealed class AuthPermission
{
    /// <summary>What the grant allows: <see cref="AuthActions.Publish"/>, <see cref="AuthActions.Subscribe"/> or both.</summary>
    public AuthActions Actions { get; set; }

    /// <summary>Pattern of the topics (for lite topics, of their parent topic) the grant covers; required.</summary>
    public string Topic { get; set; } = "";

    /// <summary>
    /// Patterns of the lite topics under <see cref="Topic"/> the grant covers; empty (the default) covers every lite
    /// topic. A message or subscription without a lite topic (a normal topic) is covered whatever this holds.
    /// </summary>
    public IList<string> LiteTopics { get; } = [];

    /// <summary>Patterns of the consumer groups a subscriber may consume in; empty (the default) covers every group. Unused for publishing.</summary>
    public IList<string> Groups { get; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        $"{Actions} on {Topic}" + (LiteTopics.Count > 0 ? $" lite [{string.Join(", ", LiteTopics)}]" : "")
        + (Groups.Count > 0 ? $" groups [{string.Join(", ", Groups)}]" : "");
}
